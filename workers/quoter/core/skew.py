"""Inventory skew: the long side's bids fall back and shrink; its level 0 goes first.

Only the long side (the outcome held unpaired) moves, and only away from the touch, so more
inventory never tightens that side and the combined cap at level 0 still holds.
"""

from __future__ import annotations

from typing import NamedTuple

from common.money import MICRO_PER_UNIT
from common.strategy.quoter import QuoterConfig
from workers.quoter.core.types import Outcome, Positions


class SideSkew(NamedTuple):
    fallback_micro: int = 0
    size_ppm: int = 1_000_000
    drop_level0: bool = False
    stop: bool = False


NO_SKEW = SideSkew()


def inventory_skew(positions: Positions, config: QuoterConfig) -> dict[Outcome, SideSkew]:
    excess = positions.excess_up_micro
    if excess == 0:
        return {Outcome.UP: NO_SKEW, Outcome.DOWN: NO_SKEW}
    long_side = Outcome.UP if excess > 0 else Outcome.DOWN
    unpaired = abs(excess)
    long_skew = SideSkew(
        fallback_micro=min(config.max_skew_micro, unpaired * config.skew_micro_per_share // MICRO_PER_UNIT),
        size_ppm=max(0, MICRO_PER_UNIT - unpaired * MICRO_PER_UNIT // max(1, config.max_unpaired_micro)),
        drop_level0=unpaired >= config.drop_level0_unpaired_micro,
        stop=unpaired >= config.max_unpaired_micro,
    )
    return {long_side: long_skew, long_side.other: NO_SKEW}
