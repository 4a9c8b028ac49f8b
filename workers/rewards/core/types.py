"""The rewards core's input and output types.

Everything is in micro-units (prices micro-pUSD per share, sizes micro-shares). The venue's scoring
formula (reference §7.4) is a ratio, so it is evaluated exactly with ``Fraction`` and only rounded
(down) when it leaves the core.

**The unified book.** The Up and Down books are mirrors (reference §2.4: a BUY Down at q rests in
the Up book as an ask at 1 − q), so one book in the Up frame holds every resting order of the
market. In that frame ``Q_one`` is the score of its bids (BUY Up, SELL Down) and ``Q_two`` the
score of its asks (SELL Up, BUY Down): a bid on Up counts like an ask on Down.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from common.money import MICRO_PER_UNIT as MICRO
from common.schemas.market import MarketRecord

OutcomeName = Literal["UP", "DOWN"]
Side = Literal["BUY", "SELL"]
#: One price level: (price_micro, size_micro).
Level = tuple[int, int]
#: Which side score an order adds to: "one" (Up-frame bids) or "two" (Up-frame asks).
QSide = Literal["one", "two"]

#: The midpoint band inside which one-sided liquidity still scores (divided by ``c``): [0.10, 0.90].
TWO_SIDED_BAND_LOW_MICRO = 100_000
TWO_SIDED_BAND_HIGH_MICRO = 900_000
#: The venue's ``c``: inside the band a one-sided maker scores a third of its side.
ONE_SIDED_DIVISOR = Fraction(3)


@dataclass(frozen=True, slots=True)
class RewardConfig:
    """One market's reward parameters (Gamma ``rewardsMaxSpread``/``rewardsMinSize``, the pool)."""

    #: v as a price: ``rewardsMaxSpread`` 4.5 (cents) is 45_000 micro.
    max_spread_micro: int
    #: ``rewardsMinSize`` 50 (shares) is 50_000_000 micro-shares.
    min_size_micro: int
    #: The market's reward pool per day in micro-pUSD; None when unknown, 0 when unfunded.
    pool_daily_micro: int | None = None
    #: b, the venue's in-game multiplier (the same for every maker, so it cancels in a share).
    multiplier: Decimal = Decimal(1)

    @property
    def enabled(self) -> bool:
        return self.max_spread_micro > 0 and self.min_size_micro > 0

    @classmethod
    def from_market(cls, market: MarketRecord, pool_daily_micro: int | None = None) -> RewardConfig:
        """From discovery's record (Gamma ``rewardsMaxSpread``/``rewardsMinSize``); the pool comes
        from ``/rewards/markets/{condition_id}`` when known."""
        return cls(market.rewards_max_spread_micro, market.rewards_min_size_micro, pool_daily_micro)


@dataclass(frozen=True, slots=True)
class LiveOrder:
    """One of our resting orders, as the executor reports it (remaining size, not original)."""

    order_id: str
    outcome: OutcomeName
    side: Side
    price_micro: int
    size_micro: int

    @property
    def up_frame(self) -> tuple[Side, int]:
        """(bid "BUY" or ask "SELL", price) where this order rests in the unified Up book."""
        if self.outcome == "UP":
            return self.side, self.price_micro
        return ("SELL" if self.side == "BUY" else "BUY"), MICRO - self.price_micro


@dataclass(frozen=True, slots=True)
class UnifiedBook:
    """The market's book in the Up frame, ours included (any level order)."""

    bids: tuple[Level, ...]
    asks: tuple[Level, ...]

    @classmethod
    def from_down(cls, bids: tuple[Level, ...], asks: tuple[Level, ...]) -> UnifiedBook:
        """The Up-frame book from the Down token's book (its bids are Up asks at 1 − q)."""
        return cls(
            bids=tuple((MICRO - p, s) for p, s in asks),
            asks=tuple((MICRO - p, s) for p, s in bids),
        )


@dataclass(frozen=True, slots=True)
class OrderScore:
    """One order's estimated score: S (0..b) and S × size in shares; zero when it cannot count."""

    order_id: str
    outcome: OutcomeName
    q_side: QSide
    #: Distance from the adjusted midpoint, micro-pUSD (None without a midpoint).
    distance_micro: Fraction | None
    spread_score: Fraction
    weighted: Fraction
    #: Why it scores zero: "", "no_midpoint", "below_min_size", "outside_band", "rewards_off".
    reason: str

    @property
    def scoring(self) -> bool:
        return self.weighted > 0


@dataclass(frozen=True, slots=True)
class MarketScore:
    """Our sample of one market: per-order scores, our Q's, the others' estimated Q, our share."""

    midpoint_micro: Fraction | None
    orders: tuple[OrderScore, ...]
    q_one: Fraction
    q_two: Fraction
    q_min: Fraction
    others_q_min: Fraction
    #: Our estimated share of this sample, 0..1.
    share: Fraction
