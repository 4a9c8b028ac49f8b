"""The maker ladder of one outcome: prices from the fair value down, on the grid, never crossing.

A BUY of one outcome at ``p`` crosses the unified book when ``p`` reaches that outcome's best ask,
or when ``p`` plus the best bid of the other outcome reaches $1 (the two bids would match as a
full set). The highest post-only price is one grid step below both.
"""

from __future__ import annotations

from common.money import MICRO_PER_UNIT
from common.ticks import TickGrid
from workers.quoter.core.types import Books, Outcome


def post_only_limit_micro(outcome: Outcome, books: Books, grid: TickGrid) -> int | None:
    """The highest price on the grid at which a post-only BUY of ``outcome`` does not cross."""
    bound = MICRO_PER_UNIT
    own_ask = books.of(outcome).ask_micro
    other_bid = books.of(outcome.other).bid_micro
    if own_ask is not None:
        bound = min(bound, own_ask)
    if other_bid is not None:
        bound = min(bound, MICRO_PER_UNIT - other_bid)
    return grid.bid(bound - 1)


def ladder_prices(top_micro: int, limit_micro: int, grid: TickGrid, levels: int, step_micro: int) -> list[int]:
    """Prices of levels 0..n−1: level 0 at ``top`` capped at the post-only limit, then ``step`` apart."""
    tick = grid.tick_micro
    step = max(tick, -(-step_micro // tick) * tick)
    top = min(top_micro, limit_micro, MICRO_PER_UNIT - tick)
    top -= top % tick
    count = min(levels, (top - tick) // step + 1) if top >= tick else 0
    return list(range(top, top - count * step, -step))
