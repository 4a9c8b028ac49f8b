"""FLATTENING: close this window's position with orders that only shrink it.

Full sets (one Up and one Down) are the merger's: it merges them back into $1 of collateral each.
What is left is the unpaired holding, ``x`` shares of one outcome. Two ways close it:

- **sell** them: a post-only SELL one tick above the best bid (joining the ask when the spread is one
  tick), worth its price per share, no fee;
- **complete** them: a FAK buying ``x`` of the other outcome at its ask ``a``, worth ``1 − a − fee(a)``
  per share once merged.

Completing is chosen only when it is worth more per share than the sell and fits the limits (the
reduce-only budget: no more than the unpaired amount, within the exposure room). Holdings the
ledger cannot vouch for (``positions_stale``) are never completed: a buy needs known holdings.
"""

from __future__ import annotations

from common.money import MICRO_PER_UNIT
from common.schemas.intent import DesiredOrder, TakerOrder
from common.strategy.quoter import QuoterConfig
from common.ticks import TickGrid
from workers.quoter.core.completion import fee_per_share_micro
from workers.quoter.core.limits import Budget
from workers.quoter.core.types import Outcome, QuoterInputs

#: The plan: resting sells, taker buys that complete, and why.
FlattenPlan = tuple[tuple[DesiredOrder, ...], tuple[TakerOrder, ...], str]


def sell_price_micro(inputs: QuoterInputs, outcome: Outcome, grid: TickGrid) -> int | None:
    """The best price a post-only SELL of ``outcome`` may rest at: one tick above the bid, never
    above the ask (None with an empty book)."""
    top = inputs.books.of(outcome)
    lowest, highest = grid.tick_micro, MICRO_PER_UNIT - grid.tick_micro
    if top.bid_micro is not None:
        price = top.bid_micro + grid.tick_micro
        if top.ask_micro is not None and price > top.ask_micro:
            price = top.ask_micro
    elif top.ask_micro is not None:
        price = top.ask_micro - grid.tick_micro
    else:
        return None
    return min(highest, max(lowest, price))


def flatten_plan(inputs: QuoterInputs, grid: TickGrid, budget: Budget, config: QuoterConfig) -> FlattenPlan:
    positions, market = inputs.positions, inputs.market
    excess = positions.excess_up_micro
    if excess == 0:
        return (), (), "flat" if positions.up_micro == 0 else "flatten_merging"
    held = Outcome.UP if excess > 0 else Outcome.DOWN
    missing = held.other
    unpaired = abs(excess) - abs(excess) % config.size_quantum_micro
    price = sell_price_micro(inputs, held, grid)
    completion = None if inputs.positions_stale else _completion(inputs, missing, unpaired, price or 0, budget, config)
    if completion is not None:
        return (), (completion,), "flatten_completing"
    if price is None:
        return (), (), "flatten_no_book"
    if unpaired < market.min_size_micro:
        return (), (), "flatten_below_min_size"
    sell = DesiredOrder(outcome=held.value, token_id=market.token(held), side="SELL", price_micro=price,
                        size_micro=unpaired, level=0)  # fmt: skip
    return (sell,), (), "flatten_selling"


def _completion(
    inputs: QuoterInputs, missing: Outcome, unpaired: int, sell_micro: int, budget: Budget, config: QuoterConfig
) -> TakerOrder | None:
    """A FAK buying the missing outcome, when a completed share is worth more than a sold one."""
    top = inputs.books.of(missing)
    if top.ask_micro is None:
        return None
    worth = MICRO_PER_UNIT - top.ask_micro - fee_per_share_micro(top.ask_micro, inputs.market.fee)
    if worth <= sell_micro:
        return None
    wanted = min(unpaired, top.ask_size_micro, budget.room(missing, top.ask_micro))
    wanted -= wanted % config.size_quantum_micro
    if wanted * top.ask_micro // MICRO_PER_UNIT < config.min_marketable_notional_micro:
        return None
    size = budget.take(missing, top.ask_micro, wanted)
    if size == 0:
        return None
    # The edge is what completing gains per share over selling.
    return TakerOrder(kind="completion", outcome=missing.value, token_id=inputs.market.token(missing),
                      price_cap_micro=top.ask_micro, size_micro=size, order_type="FAK",
                      edge_micro=worth - sell_micro)  # fmt: skip
