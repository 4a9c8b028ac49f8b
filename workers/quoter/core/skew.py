"""Inventory skew: the long side's bids fall back and shrink; its level 0 goes first; the missing
side's bids may rise.

The long side (the outcome held unpaired) moves only away from the touch, so more inventory never
tightens that side. The fall-back is ``skew_micro_per_share`` per unpaired share, at most
``max_skew_micro``; with ``skew_by_uncertainty`` it is also scaled by ``4·q(1−q)``: the variance of
an unpaired share's payoff at resolution, largest at even odds and nothing once the outcome is sure
(a reservation price in the manner of Avellaneda-Stoikov, where for a binary payoff the terminal
variance, not the time left, sets the risk). ``missing_side_raise_ppm`` of that fall-back is added
to the missing outcome's bids, so that pairs fill passively; at 100% the two bids move by the same
amount in opposite directions and their sum, the combined cap, is unchanged.
"""

from __future__ import annotations

from typing import NamedTuple

from common.money import MICRO_PER_UNIT
from common.strategy.quoter import QuoterConfig
from workers.quoter.core.types import Outcome, Positions


class SideSkew(NamedTuple):
    #: Price moved away from the touch (negative: toward it, the missing side's raise).
    fallback_micro: int = 0
    size_ppm: int = 1_000_000
    drop_level0: bool = False
    stop: bool = False


NO_SKEW = SideSkew()


def inventory_skew(positions: Positions, config: QuoterConfig, q_up_ppm: int = 500_000,
                   ) -> dict[Outcome, SideSkew]:  # fmt: skip
    excess = positions.excess_up_micro
    if excess == 0:
        return {Outcome.UP: NO_SKEW, Outcome.DOWN: NO_SKEW}
    long_side = Outcome.UP if excess > 0 else Outcome.DOWN
    unpaired = abs(excess)
    fallback = unpaired * config.skew_micro_per_share // MICRO_PER_UNIT
    if config.skew_by_uncertainty:
        q = min(MICRO_PER_UNIT, max(0, q_up_ppm))
        fallback = fallback * 4 * q * (MICRO_PER_UNIT - q) // MICRO_PER_UNIT**2
    fallback = min(config.max_skew_micro, fallback)
    long_skew = SideSkew(
        fallback_micro=fallback,
        size_ppm=max(0, MICRO_PER_UNIT - unpaired * MICRO_PER_UNIT // max(1, config.max_unpaired_micro)),
        drop_level0=unpaired >= config.drop_level0_unpaired_micro,
        stop=unpaired >= config.max_unpaired_micro,
    )
    missing = SideSkew(fallback_micro=-(fallback * config.missing_side_raise_ppm // MICRO_PER_UNIT))
    return {long_side: long_skew, long_side.other: missing if missing.fallback_micro else NO_SKEW}
