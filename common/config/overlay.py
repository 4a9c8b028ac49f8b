"""A core's parameters with the configuration's values laid over them, checked name by name.

A core's parameters are a frozen dataclass whose defaults are its documentation (units in every
name). The configuration gives some of them by name (``[strategy.quoter] levels = 3``); ``overlay``
returns the dataclass with those values, or raises :class:`ConfigError` naming every unknown name
(with the closest known one), every value of the wrong type and every negative amount, all at once.
Types come from the default values: an int stays an int (never a bool, a float only when whole), a
float takes an int, an enum takes its value, a tuple takes a list of its elements' type. Strings are
parsed, so the environment's ``UPDOWN_STRATEGY__QUOTER__LEVELS=3`` works as TOML's ``levels = 3``.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from common.config.errors import ConfigError

P = TypeVar("P")

_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def overlay(params: P, values: Mapping[str, object], where: str, allowed: frozenset[str] | None = None) -> P:
    """``params`` with ``values`` laid over it; ``where`` names the section in errors (``strategy.quoter``).

    ``allowed`` limits the names this section may set (the others belong to another section)."""
    problems = overlay_problems(params, values, where, allowed)
    if problems:
        raise ConfigError("invalid configuration:\n" + "\n".join(problems))
    return dataclasses.replace(params, **{k: _convert(getattr(params, k), v) for k, v in values.items()})  # type: ignore[type-var]


def overlay_problems(params: object, values: Mapping[str, object], where: str,
                     allowed: frozenset[str] | None = None) -> list[str]:  # fmt: skip
    """One line per bad name or value (empty when ``overlay`` would succeed)."""
    known = [f.name for f in dataclasses.fields(params)]  # type: ignore[arg-type]
    names = [k for k in known if allowed is None or k in allowed]
    problems = []
    for key, value in values.items():
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(names)}"
            if key in known:
                hint = "it belongs to another section"
            problems.append(f"  {where}.{key} = {value!r}: unknown parameter here ({hint})")
            continue
        try:
            _convert(getattr(params, key), value)
        except (TypeError, ValueError) as exc:
            problems.append(f"  {where}.{key} = {value!r}: {exc}")
    return problems


def _convert(default: Any, value: object) -> Any:
    if isinstance(default, tuple):
        items = value if isinstance(value, (list, tuple)) else _split(value)
        kind = default[0] if default else 0
        converted = tuple(_convert(kind, item) for item in items)
        if not converted:
            raise ValueError("expected at least one value")
        return converted
    if isinstance(default, Enum):
        try:
            return type(default)(value)
        except ValueError:
            raise ValueError(f"expected one of {', '.join(str(m.value) for m in type(default))}") from None
    if isinstance(default, bool):
        return _boolean(value)
    if isinstance(default, int):
        return _non_negative(_integer(value))
    if isinstance(default, float):
        return _non_negative(_number(value))
    raise TypeError(f"cannot be set from the configuration ({type(default).__name__})")


def _split(value: object) -> list[str]:
    if not isinstance(value, str):
        raise ValueError("expected a list")
    return [part.strip() for part in value.strip("[]() ").split(",") if part.strip()]


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
        return value.lower() in _TRUE
    raise ValueError("expected true or false")


def _integer(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.replace("_", ""))
        except ValueError:
            pass
    raise ValueError("expected a whole number (the unit is in the name)")


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace("_", ""))
        except ValueError:
            pass
    raise ValueError("expected a number")


def _non_negative(value: Any) -> Any:
    if value < 0:
        raise ValueError("must not be negative")
    return value
