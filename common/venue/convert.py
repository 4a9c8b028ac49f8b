"""Exact conversions of the venue's JSON values: decimals to micro-units or E18, times to ms.

The venue writes prices and sizes as strings (``"0.48"``, ``".48"``, ``"100.00"``) or, in Gamma
and the data API, as JSON numbers; JSON is decoded with ``parse_float=Decimal`` so that a number is
never a binary float here. Times arrive as ms strings, s strings, numbers or ISO 8601 text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from common.venue.errors import VenueParseError

#: Micro-units per unit (pUSD and outcome tokens have 6 decimals).
MICRO_PER_UNIT = 1_000_000
#: Scale of Chainlink's ``full_accuracy_value`` and of our reference prices and strikes.
E18 = 10**18
#: Epoch values below this are seconds, above it milliseconds (1e11 s is year 5138; 1e11 ms is 1973).
SECONDS_MS_BOUNDARY = 10**11

_DECIMAL_MICRO = Decimal(MICRO_PER_UNIT)
# Micro-units per unit of the last digit of a fraction of 0..6 digits.
_FRACTION_SCALE = tuple(10 ** (6 - digits) for digits in range(7))
_DECIMAL_E18 = Decimal(E18)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# One decoder for every frame: ``json.loads`` with a ``parse_float`` builds a new one per call.
_DECODER = json.JSONDecoder(parse_float=Decimal)
_ONE_MS = timedelta(milliseconds=1)


def loads(text: str | bytes) -> Any:
    """Decode JSON with numbers as ``Decimal``/``int``; raises ``VenueParseError`` on bad JSON."""
    try:
        return _DECODER.decode(text if isinstance(text, str) else text.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise VenueParseError(f"not JSON: {exc}") from exc


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool | float):
        raise VenueParseError(f"{what}: binary float {value!r} is not an exact value")
    if isinstance(value, str) and not value.isascii():
        raise VenueParseError(f"{what}: not a decimal: {value!r}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError) as exc:
        raise VenueParseError(f"{what}: not a decimal: {value!r}") from exc
    if not number.is_finite():
        raise VenueParseError(f"{what}: not finite: {value!r}")
    return number


def micro(value: object, what: str = "value", *, signed: bool = False) -> int:
    """Exact micro-units of a decimal string or number; raises if finer than 1e-6 or negative."""
    if type(value) is str:
        # Fast path for the plain forms "123.456", ".48", "5" (digits checked, ASCII only).
        whole, _, frac = value.partition(".")
        if value.isascii() and (whole.isdigit() or (not whole and frac)) and (not frac or frac.isdigit()):
            if len(frac) > 6:
                frac = frac.rstrip("0")
                if len(frac) > 6:
                    raise VenueParseError(f"{what}: {value!r} is finer than one micro-unit")
            return (int(whole) * MICRO_PER_UNIT if whole else 0) + (
                int(frac) * _FRACTION_SCALE[len(frac)] if frac else 0
            )
    if type(value) is int:
        result = value * MICRO_PER_UNIT
    else:
        scaled = _decimal(value, what) * _DECIMAL_MICRO
        if scaled != scaled.to_integral_value():
            raise VenueParseError(f"{what}: {value!r} is finer than one micro-unit")
        result = int(scaled)
    if result < 0 and not signed:
        raise VenueParseError(f"{what}: negative {value!r}")
    return result


def e18(value: object, what: str = "value") -> int:
    """A decimal string or number scaled by 1e18 exactly (raises if finer than 1e-18)."""
    scaled = _decimal(value, what) * _DECIMAL_E18
    if scaled != scaled.to_integral_value():
        raise VenueParseError(f"{what}: {value!r} is finer than 1e-18")
    return int(scaled)


def e18_integer(value: object, what: str = "value") -> int:
    """An integer already scaled by 1e18 (Chainlink's ``full_accuracy_value``), string or number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] == "-" else text
        if digits.isdigit() and digits.isascii():
            return int(text)
    raise VenueParseError(f"{what}: not an E18 integer: {value!r}")


def ppm(value: object, what: str = "value") -> int:
    """A rate such as ``0.07`` in parts per million (70000), exactly."""
    return micro(value, what)


def bps(value: object, what: str = "fee_rate_bps") -> int | None:
    """An integer count of basis points (``"0"``, ``0``); ``None`` or ``""`` give ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return int(value)
    raise VenueParseError(f"{what}: not an integer: {value!r}")


def epoch_ms(value: object, what: str = "timestamp") -> int:
    """Milliseconds since the epoch from ms or s (string or number) or ISO 8601 text."""
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and text.isascii():
            number = int(text)
        else:
            return _iso_ms(text, what)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        number = int(value)
    else:
        raise VenueParseError(f"{what}: not a timestamp: {value!r}")
    if number < 0:
        raise VenueParseError(f"{what}: negative timestamp {value!r}")
    return number * 1000 if number < SECONDS_MS_BOUNDARY else number


def optional_epoch_ms(value: object, what: str = "timestamp") -> int | None:
    """Like ``epoch_ms`` but ``None``, ``""`` and ``"0"`` (the venue's "not set") give ``None``."""
    if value is None or value == "" or value == "0" or value == 0:
        return None
    return epoch_ms(value, what)


def _iso_ms(text: str, what: str) -> int:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError as exc:
        raise VenueParseError(f"{what}: not a timestamp: {text!r}") from exc
    if moment.tzinfo is None:
        raise VenueParseError(f"{what}: timestamp without a time zone: {text!r}")
    return (moment - _EPOCH) // _ONE_MS


def field(obj: dict[str, Any], key: str, what: str = "") -> Any:
    """A required field, or ``VenueParseError`` naming it."""
    try:
        return obj[key]
    except KeyError:
        raise VenueParseError(f"{what or 'object'}: missing field {key!r}") from None
    except TypeError:
        raise VenueParseError(f"{what or 'object'}: not an object: {type(obj).__name__}") from None


def text(obj: dict[str, Any], key: str, what: str = "") -> str:
    """A required non-empty string field."""
    value = field(obj, key, what)
    if not isinstance(value, str) or not value:
        raise VenueParseError(f"{what or 'object'}: field {key!r} is not a non-empty string: {value!r}")
    return value


def side(value: object, what: str = "side") -> str:
    """``BUY`` or ``SELL`` (the venue's words; case-insensitive on input)."""
    if isinstance(value, str):
        upper = value.upper()
        if upper in ("BUY", "SELL"):
            return upper
    raise VenueParseError(f"{what}: not BUY or SELL: {value!r}")


def json_list(value: object, what: str) -> list[Any]:
    """A list, or a JSON-encoded string of a list (Gamma's ``outcomes``, ``clobTokenIds``)."""
    if isinstance(value, str):
        value = loads(value)
    if not isinstance(value, list):
        raise VenueParseError(f"{what}: not a list: {value!r}")
    return value


def boolean(value: object, what: str, default: bool | None = None) -> bool:
    """A JSON boolean (``None`` gives ``default`` when one is given)."""
    if isinstance(value, bool):
        return value
    if value is None and default is not None:
        return default
    raise VenueParseError(f"{what}: not a boolean: {value!r}")
