"""The taker delay of crypto Up/Down markets: an API order that would take liquidity is answered
``delayed`` and executes ``ExchangeConfig.taker_delay_ms`` later against the book as it is then.
Meanwhile it cannot be cancelled (it is not on the book); resting orders can, which is what the
delay protects. Background traders are not delayed (they stand in for flow we do not model),
except the informed taker (``InformedConfig.delayed``), whose speed is what the delay is against.

At execution the order is checked again (funds, FOK/FAK fillability, the market still trading);
one that fails is cancelled with a CANCELLATION event, as a killed FOK is.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from sim.exchange import matching
from sim.exchange.events import Event, order_event
from sim.exchange.execution import execute
from sim.exchange.orders import CANCELED, Order
from sim.exchange.trading import OrderRejected, _check_funds, _kill_if_unfillable

if TYPE_CHECKING:
    from sim.exchange.exchange import Exchange
    from sim.exchange.state import MarketState

DELAYED = "DELAYED"


def delayed_answer(order: Order) -> dict[str, object]:
    return {"success": True, "errorMsg": "", "orderID": order.order_id, "status": "delayed",
            "makingAmount": "", "takingAmount": "", "tradeIDs": [], "transactionsHashes": []}  # fmt: skip


def hold(ex: Exchange, order: Order) -> dict[str, object]:
    """Park a validated marketable order until its delay is over."""
    order.status = DELAYED
    ex._seq += 1
    ex._orders[order.order_id] = order
    heapq.heappush(ex._delayed, (ex.now_ms() + ex.config.taker_delay_ms, order.seq, order.order_id))
    return delayed_answer(order)


def release_due(ex: Exchange, now_ms: int) -> None:
    """Execute every delayed order whose delay is over, oldest first."""
    while ex._delayed and ex._delayed[0][0] <= now_ms:
        _, _, order_id = heapq.heappop(ex._delayed)
        order = ex._orders[order_id]
        state = ex._markets[order.market]
        try:
            if not state.accepting:
                raise OrderRejected("the market is closed")
            marketable = order.budget_micro is not None or matching.would_cross(state, order)
            _check_funds(ex, state, order, marketable)
            if order.order_type in ("FOK", "FAK"):
                _kill_if_unfillable(ex, state, order)
        except OrderRejected:
            if order.status == DELAYED:  # a FOK/FAK kill has already said so
                _cancel(ex, state, order)
            continue
        execute(ex, state, order)


def _cancel(ex: Exchange, state: MarketState, order: Order) -> None:
    order.status = CANCELED
    order.ended_ms = ex.now_ms()
    event = order_event(order, "CANCELLATION", CANCELED, order.ended_ms)
    ex._emit([Event("user", state.spec.condition_id, (order.token_id,), event, order.owner)])
