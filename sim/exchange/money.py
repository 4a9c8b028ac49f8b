"""Exact money arithmetic in micro-units, and the venue's decimal string formats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from math import gcd

#: Micro-units per unit (pUSD or share).
MICRO: int = 1_000_000
#: Fees are rounded to 5 decimal places, i.e. to a multiple of 10 micro pUSD.
FEE_QUANTUM_MICRO: int = 10
#: Fees below 0.00001 pUSD are not charged at all.
MIN_FEE: Decimal = Decimal("0.00001")


@lru_cache(maxsize=1 << 16)
def fmt_micro(value_micro: int) -> str:
    """``5_000_000`` → ``"5"``, ``513_000`` → ``"0.513"``, ``85_360_000`` → ``"85.36"``."""
    sign = "-" if value_micro < 0 else ""
    whole, frac = divmod(abs(value_micro), MICRO)
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:06d}".rstrip("0")


def parse_micro(text: str) -> int:
    """Parse a decimal string into micro-units exactly; raises ValueError on excess precision."""
    value = Decimal(text) * MICRO
    if value != value.to_integral_value():
        raise ValueError(f"more than 6 decimals: {text}")
    return int(value)


def lot_micro(price_micro: int) -> int:
    """Smallest share quantity (micro) whose notional at this price is a whole micro pUSD."""
    return MICRO // gcd(price_micro, MICRO)


def notional_micro(size_micro: int, price_micro: int) -> int:
    """Exact notional of a lot-aligned quantity; callers align sizes with :func:`lot_micro`."""
    return size_micro * price_micro // MICRO


def ceil_notional_micro(size_micro: int, price_micro: int) -> int:
    return -(-size_micro * price_micro // MICRO)


def taker_fee_micro(size_micro: int, price_micro: int, rate: Decimal, exponent: int) -> int:
    """``shares × rate × (p(1−p))^exponent`` rounded half-up to 5 dp; under 0.00001 pUSD it is zero."""
    p = Decimal(price_micro) / MICRO
    fee = Decimal(size_micro) / MICRO * rate * (p * (1 - p)) ** exponent
    if fee < MIN_FEE:
        return 0
    rounded = fee.quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)
    return int(rounded * MICRO)


def fee_equivalent(size_micro: int, price_micro: int, rate: Decimal, exponent: int) -> Decimal:
    """Unrounded fee-equivalent of a maker fill, in pUSD (the maker-rebate weight)."""
    p = Decimal(price_micro) / MICRO
    return Decimal(size_micro) / MICRO * rate * (p * (1 - p)) ** exponent


def worst_fee_micro(size_micro: int, limit_micro: int, rate: Decimal, exponent: int) -> int:
    """Largest taker fee a fill of this size can cost at any price up to ``limit_micro``."""
    return taker_fee_micro(size_micro, min(limit_micro, MICRO // 2), rate, exponent)


def round_to_tick(price_micro_exact: Decimal, tick_micro: int) -> int:
    ticks = (price_micro_exact / tick_micro).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(ticks) * tick_micro
