"""Exact conversions between the venue's decimal strings and integer micro-units.

Prices (pUSD per share), sizes (shares) and amounts (pUSD) are carried as integers scaled by 1e6,
the venue's own token decimals, so that sums and comparisons never round. The venue writes prices
as ``"0.48"`` or ``".48"``; both parse.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

#: Micro-units per unit: pUSD and outcome tokens both have 6 decimals on chain.
MICRO_PER_UNIT = 1_000_000
_MICRO = Decimal(MICRO_PER_UNIT)


class MoneyError(ValueError):
    """A value that is not a finite decimal, or is finer than one micro-unit."""


def parse_decimal(value: str | Decimal | int) -> Decimal:
    """A finite ``Decimal`` from a venue string (``"0.48"``, ``".48"``), an int or a Decimal."""
    if isinstance(value, bool | float):
        raise MoneyError(f"binary floats are not money: {value!r}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise MoneyError(f"not a decimal: {value!r}") from exc
    if not number.is_finite():
        raise MoneyError(f"not a finite decimal: {value!r}")
    return number


def to_micro(value: str | Decimal | int) -> int:
    """Exact micro-units of a decimal value; raises if the value has more than 6 decimals."""
    scaled = parse_decimal(value) * _MICRO
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{value!r} is finer than one micro-unit")
    return int(scaled)


def to_micro_rounded(value: str | Decimal | int, rounding: str = ROUND_HALF_EVEN) -> int:
    """Micro-units of a decimal value rounded with ``rounding`` (for derived amounts such as fees)."""
    return int((parse_decimal(value) * _MICRO).to_integral_value(rounding=rounding))


def from_micro(micro: int) -> Decimal:
    """The exact ``Decimal`` value of an integer number of micro-units."""
    return Decimal(micro) / _MICRO


def micro_to_str(micro: int) -> str:
    """A plain decimal string (no exponent, no trailing zeros) as the venue writes it: ``"0.52"``."""
    text = format(from_micro(micro).normalize(), "f")
    return text if text != "-0" else "0"
