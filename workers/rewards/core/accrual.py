"""What our quotes earn over a window: liquidity rewards from the sampled share, and maker rebates.

**Rewards.** The venue samples every market once a minute at a random moment and pays
``pool × Σ our share per sample / samples``; the expected value is the time integral of our share
times the pool's rate. Each observation is held until the next one (a step function) and no credit
is given across a gap longer than ``MAX_HOLD_MS`` (we did not see the book, so we do not know).

**Rebates** (reference §7.2): our fee equivalent ``C × rate × p × (1 − p)`` summed over our filled
maker volume, times the market's rebate rate (crypto 20%). That is the rebate if the pool were ours
alone, the venue's exact figure when every taker pays the same curve; it is an upper bound otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

from common.fees import FeeSchedule, fee_equivalent, maker_rebate_upper_bound
from common.money import from_micro

#: A day in ms: the reward pool is a daily rate.
MS_PER_DAY = 86_400_000
#: The longest one observation is taken to hold; beyond it the time counts as unobserved.
MAX_HOLD_MS = 10_000


@dataclass(frozen=True, slots=True)
class Observation:
    """One moment of a market: our share, the pool, and whether we score on each side."""

    now_ms: int
    share: Fraction
    pool_daily_micro: int | None
    scoring_one: bool
    scoring_two: bool


@dataclass(frozen=True, slots=True)
class RewardTally:
    """One window's running totals (all times in ms)."""

    window: str
    first_ms: int | None = None
    last: Observation | None = None
    observed_ms: int = 0
    two_sided_ms: int = 0
    any_side_ms: int = 0
    #: Expected liquidity reward, micro-pUSD (exact; rounded down when published).
    reward_micro: Fraction = Fraction(0)
    fee_equivalent: Decimal = Decimal(0)
    rebate: Decimal = Decimal(0)
    fills_seen: frozenset[str] = field(default_factory=frozenset)

    @property
    def two_sided_ratio(self) -> Fraction:
        """Share of the observed time with scoring orders on both sides."""
        return Fraction(self.two_sided_ms, self.observed_ms) if self.observed_ms else Fraction(0)

    @property
    def reward_floor_micro(self) -> int:
        return self.reward_micro.numerator // self.reward_micro.denominator

    @property
    def rebate_floor_micro(self) -> int:
        return int((self.rebate * 1_000_000).to_integral_value(rounding="ROUND_FLOOR"))


def observe(tally: RewardTally, obs: Observation) -> RewardTally:
    """Credit the previous observation for the time it held, then hold this one."""
    prev = tally.last
    if prev is None:
        return replace(tally, first_ms=obs.now_ms, last=obs)
    if obs.now_ms < prev.now_ms:
        return tally  # out of order: the newer observation already holds
    if obs.now_ms == prev.now_ms:
        return replace(tally, last=obs)
    held = min(obs.now_ms - prev.now_ms, MAX_HOLD_MS)
    reward = tally.reward_micro
    if prev.pool_daily_micro:
        reward += prev.share * prev.pool_daily_micro * Fraction(held, MS_PER_DAY)
    return replace(
        tally,
        last=obs,
        observed_ms=tally.observed_ms + held,
        two_sided_ms=tally.two_sided_ms + (held if prev.scoring_one and prev.scoring_two else 0),
        any_side_ms=tally.any_side_ms + (held if prev.scoring_one or prev.scoring_two else 0),
        reward_micro=reward,
    )


def add_maker_fill(
    tally: RewardTally, fill_id: str, shares_micro: int, price_micro: int, schedule: FeeSchedule
) -> RewardTally:
    """Accrue the rebate of one of our maker fills; a fill seen before changes nothing."""
    if fill_id in tally.fills_seen:
        return tally
    shares, price = from_micro(shares_micro), from_micro(price_micro)
    return replace(
        tally,
        fee_equivalent=tally.fee_equivalent + fee_equivalent(shares, price, schedule),
        rebate=tally.rebate + maker_rebate_upper_bound(shares, price, schedule),
        fills_seen=tally.fills_seen | {fill_id},
    )
