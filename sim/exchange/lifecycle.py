"""Time-driven work (trade settlement states, GTD expiry, the heartbeat dead-man) and resolution."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from sim.exchange.delay import release_due
from sim.exchange.events import Event, trade_events
from sim.exchange.markets import OUTCOMES
from sim.exchange.orders import CANCELED, CANCELED_MARKET_RESOLVED, Trade
from sim.exchange.trading import cancel, close_order

if TYPE_CHECKING:
    from sim.exchange.exchange import Exchange


def advance(ex: Exchange) -> None:
    """Run everything due at the clock's current time."""
    now = ex.now_ms()
    release_due(ex, now)
    _progress_trades(ex, now)
    while ex._expiry and ex._expiry[0][0] <= now:
        _, _, order_id = heapq.heappop(ex._expiry)
        order = ex._orders[order_id]
        if order_id in ex._open.get(order.owner, {}):
            close_order(ex, order, CANCELED)
    for owner in ex.heartbeats.expired(now):
        for order_id in list(ex._open.get(owner, {})):
            cancel(ex, owner, order_id)


def _progress_trades(ex: Exchange, now: int) -> None:
    still: list[Trade] = []
    for trade in ex._pending:
        if trade.status == "MATCHED" and now >= trade.mined_at_ms:
            _set_trade_status(ex, trade, "MINED", now)
        if trade.status == "MINED" and now >= trade.confirmed_at_ms:
            if trade.will_fail:
                for entry in trade.ledger:
                    ex.accounts.apply(entry, sign=-1)
                _set_trade_status(ex, trade, "FAILED", now)
            else:
                _set_trade_status(ex, trade, "CONFIRMED", now)
        if trade.status in ("MATCHED", "MINED"):
            still.append(trade)
    ex._pending = still


def _set_trade_status(ex: Exchange, trade: Trade, status: str, now: int) -> None:
    trade.status, trade.last_update_ms = status, now
    events = trade_events(trade)
    ex._emit(events)


def fail_trade(ex: Exchange, trade_id: str) -> None:
    """Fault hook: make a pending trade end FAILED (its balances are reversed then)."""
    ex._trades[trade_id].will_fail = True


def resolve(ex: Exchange, condition_id: str, winning_index: int) -> None:
    """Stop trading, cancel resting orders with CANCELED_MARKET_RESOLVED, announce the winner."""
    state = ex._markets[condition_id]
    state.accepting = False
    for order in [o for o in state.book.orders()]:
        close_order(ex, order, CANCELED_MARKET_RESOLVED)
    state.winner_index = winning_index
    spec = state.spec
    payload = {
        "event_type": "market_resolved",
        "id": spec.market_id or str(int(condition_id[2:10], 16)),
        "market": condition_id,
        "assets_ids": list(spec.token_ids),
        "winning_asset_id": spec.token_ids[winning_index],
        "winning_outcome": OUTCOMES[winning_index],
        "timestamp": str(ex.now_ms()),
        "tags": ["crypto"],
    }
    ex._emit([Event("market", condition_id, spec.token_ids, payload)])
