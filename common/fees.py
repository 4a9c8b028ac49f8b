"""Taker fees, fee per share and the maker-rebate fee equivalent, as the venue computes them.

Reference §7.1: ``fee = shares × rate × (p(1−p))^exponent`` (crypto today: rate 0.07, exponent 1),
charged to takers only, rounded to 5 decimals with a minimum of 0.00001 pUSD (smaller fees round to
zero). From 2026-01-05 to 2026-03-30 the 15-minute crypto markets used
``shares × p × 0.25 × (p(1−p))²`` instead; ``FeeSchedule.price_factor`` selects that extra ``p``.
All math is ``Decimal``; results convert to micro-units at the edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from common.money import from_micro, parse_decimal, to_micro_rounded

#: The venue rounds a fill's fee to this many decimals of pUSD.
FEE_DECIMALS = 5
#: The smallest fee the venue charges; a smaller computed fee is charged as zero.
FEE_MINIMUM = Decimal("0.00001")
_FEE_QUANTUM = Decimal(1).scaleb(-FEE_DECIMALS)
#: Start of "Fee Structure V2" (2026-03-30 00:00 UTC): before it, 15m crypto used the old curve.
FEES_V2_START_MS = 1_774_828_800_000
#: Start of taker fees on 15-minute crypto markets (2026-01-05 00:00 UTC).
FEES_V1_START_MS = 1_767_571_200_000


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """A market's fee curve (Gamma ``feeSchedule``)."""

    rate: Decimal
    exponent: int
    #: The Jan–Mar 2026 curve multiplies by the price once more.
    price_factor: bool = False
    taker_only: bool = True
    #: Share of taker fees paid back to makers (crypto: 20%).
    rebate_rate: Decimal = Decimal("0.2")

    @classmethod
    def from_gamma(cls, fee_schedule: Mapping[str, Any]) -> FeeSchedule:
        """From the Gamma ``feeSchedule`` object (``{"rate": 0.07, "exponent": 1, ...}``)."""
        return cls(
            rate=parse_decimal(str(fee_schedule["rate"])),
            exponent=int(fee_schedule.get("exponent", 1)),
            taker_only=bool(fee_schedule.get("takerOnly", True)),
            rebate_rate=parse_decimal(str(fee_schedule.get("rebateRate", "0"))),
        )


#: Crypto markets since 2026-03-30 (``crypto_fees_v2``).
CRYPTO_FEES_V2 = FeeSchedule(rate=Decimal("0.07"), exponent=1)
#: 15-minute crypto markets, 2026-01-05 to 2026-03-30, for replaying old data.
CRYPTO_FEES_2026Q1 = FeeSchedule(rate=Decimal("0.25"), exponent=2, price_factor=True)
#: No fee (before 2026-01-05, and fee-free categories).
NO_FEES = FeeSchedule(rate=Decimal(0), exponent=1, rebate_rate=Decimal(0))


def crypto_schedule_at(at_ms: int) -> FeeSchedule:
    """The crypto fee schedule in force at ``at_ms`` (for data without its own ``feeSchedule``)."""
    if at_ms >= FEES_V2_START_MS:
        return CRYPTO_FEES_V2
    if at_ms >= FEES_V1_START_MS:
        return CRYPTO_FEES_2026Q1
    return NO_FEES


def fee_per_share(price: Decimal, schedule: FeeSchedule) -> Decimal:
    """Unrounded taker fee per share at ``price`` (pUSD)."""
    curve = (price * (1 - price)) ** schedule.exponent
    per_share = schedule.rate * curve
    return per_share * price if schedule.price_factor else per_share


def round_fee(raw_fee: Decimal) -> Decimal:
    """The venue's rounding: 5 decimals; below the 0.00001 minimum the fee is zero."""
    if raw_fee < FEE_MINIMUM:
        return Decimal(0)
    return raw_fee.quantize(_FEE_QUANTUM, rounding=ROUND_HALF_UP)


def taker_fee(shares: Decimal, price: Decimal, schedule: FeeSchedule) -> Decimal:
    """The fee a taker pays for ``shares`` filled at ``price``, rounded as the venue rounds."""
    return round_fee(shares * fee_per_share(price, schedule))


def taker_fee_micro(shares_micro: int, price_micro: int, schedule: FeeSchedule) -> int:
    """``taker_fee`` in micro-units of pUSD, from micro-unit shares and price."""
    return to_micro_rounded(taker_fee(from_micro(shares_micro), from_micro(price_micro), schedule))


def fee_equivalent(shares: Decimal, price: Decimal, schedule: FeeSchedule) -> Decimal:
    """The fee-curve weight of a maker fill (reference §7.2), unrounded: what a taker would pay."""
    return shares * fee_per_share(price, schedule)


def maker_rebate_upper_bound(shares: Decimal, price: Decimal, schedule: FeeSchedule) -> Decimal:
    """Rebate earned by a maker fill if ours were the market's only maker volume.

    The real rebate is ``our fee equivalent / all makers' fee equivalent × pool``; the pool is
    ``rebate_rate`` of the taker fees, so one fill can earn at most ``rebate_rate × fee equivalent``
    of the fee its own taker paid.
    """
    return schedule.rebate_rate * fee_equivalent(shares, price, schedule)
