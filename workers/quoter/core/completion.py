"""Taker orders that lock a profit: completing an unpaired holding, and buying a full set below $1.

Completion: holding ``x`` unpaired Up shares bought at an average ``c``, buying ``x`` Down at the
ask ``a`` makes ``x`` full sets worth $1 each; the profit locked per share is ``1 − c − a − fee(a)``.
Complete set: buying one Up at ``a_up`` and one Down at ``a_down`` as a taker pays
``a_up + a_down + fee(a_up) + fee(a_down)`` for a full set worth $1. Fees per share are rounded up
to the micro-unit, so the edge is never overstated. Price caps are the touch: a FAK at the best ask
fills only what is there.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from functools import lru_cache

from common.fees import FeeSchedule, fee_per_share
from common.money import MICRO_PER_UNIT
from common.schemas.intent import TakerOrder
from common.strategy.quoter import QuoterConfig
from workers.quoter.core.limits import Budget
from workers.quoter.core.types import Outcome, QuoterInputs


@lru_cache(maxsize=8192)
def fee_per_share_micro(price_micro: int, schedule: FeeSchedule) -> int:
    """Taker fee per share at ``price_micro``, rounded up to the micro-unit."""
    per_share = fee_per_share(Decimal(price_micro) / MICRO_PER_UNIT, schedule) * MICRO_PER_UNIT
    return int(per_share.to_integral_value(rounding=ROUND_CEILING))


def _marketable(size_micro: int, price_micro: int, config: QuoterConfig) -> bool:
    return size_micro * price_micro // MICRO_PER_UNIT >= config.min_marketable_notional_micro


def completion_order(inputs: QuoterInputs, budget: Budget, config: QuoterConfig) -> TakerOrder | None:
    """A FAK buying the missing outcome when pairing the unpaired holding locks enough profit."""
    positions, market = inputs.positions, inputs.market
    excess = positions.excess_up_micro
    if excess == 0:
        return None
    held = Outcome.UP if excess > 0 else Outcome.DOWN
    missing = held.other
    ask = inputs.books.of(missing).ask_micro
    if ask is None:
        return None
    before_fees = MICRO_PER_UNIT - positions.avg_cost_micro(held) - ask
    if before_fees < config.completion_min_profit_micro:
        return None  # no edge even before fees
    edge = before_fees - fee_per_share_micro(ask, market.fee)
    if edge < config.completion_min_profit_micro:
        return None
    wanted = min(abs(excess), inputs.books.of(missing).ask_size_micro, budget.room(missing, ask))
    wanted -= wanted % config.size_quantum_micro
    if not _marketable(wanted, ask, config):
        return None
    size = budget.take(missing, ask, wanted)
    if size == 0:
        return None
    return TakerOrder(
        kind="completion",
        outcome=missing.value,
        token_id=market.token(missing),
        price_cap_micro=ask,
        size_micro=size,
        order_type="FAK",
        edge_micro=edge,
    )


def complete_set_orders(inputs: QuoterInputs, budget: Budget, config: QuoterConfig) -> tuple[TakerOrder, ...]:
    """Two FAKs buying one Up and one Down when the pair costs less than $1 after fees by the margin."""
    up, down, market = inputs.books.up, inputs.books.down, inputs.market
    if up.ask_micro is None or down.ask_micro is None:
        return ()
    if up.ask_micro + down.ask_micro > MICRO_PER_UNIT - config.complete_set_margin_micro:
        return ()  # no edge even before fees (the common case): skip the fee math
    cost = (
        up.ask_micro
        + down.ask_micro
        + fee_per_share_micro(up.ask_micro, market.fee)
        + fee_per_share_micro(down.ask_micro, market.fee)
    )
    edge = MICRO_PER_UNIT - cost
    if edge < config.complete_set_margin_micro:
        return ()
    # Both legs must fit together: the exposure room is shared (less one quantum for rounding).
    by_cash = budget.exposure_micro * MICRO_PER_UNIT // (up.ask_micro + down.ask_micro) - config.size_quantum_micro
    size = min(
        up.ask_size_micro,
        down.ask_size_micro,
        budget.room(Outcome.UP, up.ask_micro),
        budget.room(Outcome.DOWN, down.ask_micro),
        by_cash,
    )
    size -= size % config.size_quantum_micro
    if not (_marketable(size, up.ask_micro, config) and _marketable(size, down.ask_micro, config)):
        return ()
    up_size = budget.take(Outcome.UP, up.ask_micro, size)
    down_size = budget.take(Outcome.DOWN, down.ask_micro, up_size) if up_size else 0
    if not up_size or down_size != up_size:
        return ()
    return tuple(
        TakerOrder(
            kind="complete_set",
            outcome=o.value,
            token_id=market.token(o),
            price_cap_micro=top.ask_micro,
            size_micro=up_size,
            order_type="FAK",
            edge_micro=edge,
        )
        for o, top in ((Outcome.UP, up), (Outcome.DOWN, down))
        if top.ask_micro is not None
    )
