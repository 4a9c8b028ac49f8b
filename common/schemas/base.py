"""The base of every message body, and the registry that maps a wire type name to its model.

A body is a frozen pydantic model with a stable ``TYPE`` name and an integer ``VERSION``. Prices
and sizes travel as integers in micro-units (1e-6 pUSD per share, 1e-6 shares), suffixed
``_micro``; times as integer milliseconds, suffixed ``_ms``. Never binary floats for money.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

_REGISTRY: dict[str, type[Message]] = {}


class Message(BaseModel):
    """A frozen, validated message body. Subclasses set ``TYPE`` and ``VERSION``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.TYPE:
            other = _REGISTRY.get(cls.TYPE)
            if other is not None and other.__qualname__ != cls.__qualname__:
                raise TypeError(f"message type {cls.TYPE!r} is declared twice: {other} and {cls}")
            _REGISTRY[cls.TYPE] = cls


def registry() -> dict[str, type[Message]]:
    """Every declared message type by its wire name (a copy)."""
    return dict(_REGISTRY)


def model_of(type_name: str) -> type[Message] | None:
    """The model declared for a wire type name (no copy: the decoder's hot path)."""
    return _REGISTRY.get(type_name)


def load_all() -> dict[str, type[Message]]:
    """Import every schema module under ``common.schemas`` so that every type is registered."""
    import importlib
    import pkgutil

    import common.schemas as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    return registry()
