"""Hints to the quoter: what would make our best order on an outcome score.

A hint is produced only when our best (level-0) BUY on an outcome does not score now and the hinted
change (size up to ``rewardsMinSize``, price up into the band) would make it score: the change is
applied to a copy of the book, the adjusted midpoint recomputed and the order scored again. No hint
when the market has no rewards or a pool known to be empty, when there is no order to fix, or when
the hinted price would cross the book (the quoter posts maker-only).

The quoter moves level 0 to ``ceil_to_grid(midpoint_micro − max_spread_micro)`` when it sits below
that. To land strictly inside the band (``s < v``, where ``S > 0``) the hint carries the midpoint
rounded down and a band one micro narrower than ``v``: the smallest grid price above
``mid − v`` is exactly ``ceil_to_grid(floor(mid) − (v − 1))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from math import floor
from typing import Literal

from common.money import MICRO_PER_UNIT as MICRO
from common.ticks import TickGrid
from workers.quoter.core.types import Outcome, RewardHint
from workers.rewards.core.scoring import adjusted_midpoint, others_book, score_order
from workers.rewards.core.types import LiveOrder, OutcomeName, RewardConfig, UnifiedBook

HintReason = Literal["size", "band", "size_and_band"]


@dataclass(frozen=True, slots=True)
class HintPlan:
    """A hint and what following it does to the order it is about."""

    hint: RewardHint
    order_id: str
    reason: HintReason
    target_price_micro: int
    target_size_micro: int


def _outcome_mid(midpoint_up: Fraction, outcome: OutcomeName) -> Fraction:
    return midpoint_up if outcome == "UP" else MICRO - midpoint_up


def _with_order(book: UnifiedBook, order: LiveOrder) -> UnifiedBook:
    side, price = order.up_frame
    level = ((price, order.size_micro),)
    return UnifiedBook(book.bids + level, book.asks) if side == "BUY" else UnifiedBook(book.bids, book.asks + level)


def _crosses(order: LiveOrder, rest: UnifiedBook) -> bool:
    """Whether a BUY at this price would take liquidity (the post-only check, in the Up frame)."""
    side, price = order.up_frame
    if side == "BUY":
        return any(p <= price for p, s in rest.asks if s > 0)
    return any(p >= price for p, s in rest.bids if s > 0)


def plan_hint(
    book: UnifiedBook, ours: Sequence[LiveOrder], outcome: OutcomeName, config: RewardConfig, grid: TickGrid
) -> HintPlan | None:
    """The hint for ``outcome``, or None when none is needed or none would make the order score."""
    if not config.enabled or config.pool_daily_micro == 0:
        return None
    buys = [o for o in ours if o.outcome == outcome and o.side == "BUY"]
    if not buys:
        return None
    best = max(buys, key=lambda o: (o.price_micro, o.size_micro))
    if score_order(best, adjusted_midpoint(book, config.min_size_micro), config).scoring:
        return None
    rest = others_book(book, [best])
    sized = replace(best, size_micro=max(best.size_micro, config.min_size_micro))
    midpoint = adjusted_midpoint(_with_order(rest, sized), config.min_size_micro)
    if midpoint is None:
        return None
    mid_floor = floor(_outcome_mid(midpoint, outcome))
    band = config.max_spread_micro - 1
    price = max(sized.price_micro, grid.ceil(mid_floor - band))
    target = replace(sized, price_micro=price)
    if not 0 < price < MICRO or not grid.on_grid(price) or _crosses(target, rest):
        return None
    after = _with_order(rest, target)
    if not score_order(target, adjusted_midpoint(after, config.min_size_micro), config).scoring:
        return None
    resized, moved = target.size_micro != best.size_micro, price != best.price_micro
    reason: HintReason = "size_and_band" if resized and moved else ("band" if moved else "size")
    hint = RewardHint(Outcome(outcome), config.min_size_micro, band, mid_floor)
    return HintPlan(hint, best.order_id, reason, price, target.size_micro)


def plan_hints(
    book: UnifiedBook, ours: Sequence[LiveOrder], config: RewardConfig, grid: TickGrid
) -> tuple[HintPlan, ...]:
    """Hints for both outcomes (Up first), only those that would make an order score."""
    plans = (plan_hint(book, ours, o, config, grid) for o in ("UP", "DOWN"))
    return tuple(p for p in plans if p is not None)
