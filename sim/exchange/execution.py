"""Running an accepted order: the taker walk, the trade record, resting the remainder, and events."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from sim.exchange import matching
from sim.exchange.events import Event, order_event, trade_events
from sim.exchange.money import MICRO, fmt_micro
from sim.exchange.orders import CANCELED, LIVE, MATCHED, RESTING_TYPES, Order, Trade
from sim.exchange.publish import best_bid_ask_events, book_events, price_change_event, tops
from sim.exchange.state import MarketState

if TYPE_CHECKING:
    from sim.exchange.exchange import Exchange


def execute(ex: Exchange, state: MarketState, order: Order) -> dict[str, object]:
    ts = ex.now_ms()
    before = tops(state)
    result = matching.walk(state, ex.accounts, order)
    user_events: list[Event] = []
    for maker in result.dust:
        matching.release_reservations(ex.accounts, maker)
        maker.status = CANCELED
        maker.ended_ms = ts
        ex._open.get(maker.owner, {}).pop(maker.order_id, None)
        user_events.append(
            Event(
                "user",
                maker.market,
                (maker.token_id,),
                order_event(maker, "CANCELLATION", CANCELED, ts),
                maker.owner,
            )
        )
    trade = _record_trade(ex, state, order, result, ts) if result.fills else None
    if order.budget_micro is not None:
        order.original_size_micro = order.size_matched_micro
    for maker in dict.fromkeys(result.touched):
        if maker.remaining_micro == 0:
            maker.status = MATCHED
            maker.ended_ms = ts
            ex._open.get(maker.owner, {}).pop(maker.order_id, None)
        user_events.append(
            Event(
                "user",
                maker.market,
                (maker.token_id,),
                order_event(maker, "UPDATE", maker.status, ts),
                maker.owner,
            )
        )
    if order.order_type in RESTING_TYPES and order.remaining_micro > 0:
        matching.reserve_rest(ex.accounts, order)
        result.levels[(order.canonical_side, order.canonical_price_micro)] = state.book.add(order)
        ex._open.setdefault(order.owner, {})[order.order_id] = order
        if order.expires_at_ms is not None:
            heapq.heappush(ex._expiry, (order.expires_at_ms, order.seq, order.order_id))
        order.status = LIVE
        user_events.append(
            Event(
                "user",
                order.market,
                (order.token_id,),
                order_event(order, "PLACEMENT", LIVE, ts),
                order.owner,
            )
        )
    else:
        order.status = MATCHED
        order.ended_ms = ts
        user_events.append(
            Event(
                "user",
                order.market,
                (order.token_id,),
                order_event(order, "UPDATE", MATCHED, ts),
                order.owner,
            )
        )
    market_events = _market_events(state, order, result, before, ts)
    ex._emit(user_events + (trade_events(trade) if trade else []) + market_events)
    if trade is not None:
        _maybe_fine_tick(ex, state)
    return {
        "success": True,
        "errorMsg": "",
        "orderID": order.order_id,
        "status": "matched" if result.fills else "live",
        "makingAmount": fmt_micro(result.taker_given_micro) if result.fills else "",
        "takingAmount": fmt_micro(result.taker_received_micro) if result.fills else "",
        "tradeIDs": [trade.trade_id] if trade else [],
        "transactionsHashes": [trade.transaction_hash] if trade else [],
    }


def _record_trade(
    ex: Exchange, state: MarketState, order: Order, result: matching.WalkResult, ts: int
) -> Trade:
    cfg = ex.config
    trade = Trade(
        trade_id=ex._new_uuid(),
        market=order.market,
        taker_order_id=order.order_id,
        taker_owner=order.owner,
        taker_account_id=order.account_id,
        taker_address=order.maker_address,
        asset_id=order.token_id,
        outcome_index=order.outcome_index,
        side=order.side,
        price_micro=order.price_micro,
        size_micro=sum(f.matched_micro for f in result.fills),
        fee_micro=result.fee_micro,
        match_ms=ts,
        transaction_hash=ex._new_hex32(),
        makers=result.fills,
        ledger=result.ledger,
        mined_at_ms=ts + cfg.mined_delay_ms,
        confirmed_at_ms=ts + cfg.confirmed_delay_ms,
        will_fail=ex.rng.random() < cfg.trade_fail_probability,
        last_update_ms=ts,
    )
    ex._trades[trade.trade_id] = trade
    ex._pending.append(trade)
    order.associate_trades.append(trade.trade_id)
    for maker_id in dict.fromkeys(f.order_id for f in result.fills):
        ex._orders[maker_id].associate_trades.append(trade.trade_id)
    last = result.fills[-1]
    own = last.price_micro if last.asset_id == order.token_id else MICRO - last.price_micro
    state.last_trade_micro[order.token_id] = own
    state.last_trade_micro[state.spec.complement(order.token_id)] = MICRO - own
    return trade


def _market_events(
    state: MarketState,
    order: Order,
    result: matching.WalkResult,
    before: dict[str, tuple[int | None, int | None]],
    ts: int,
) -> list[Event]:
    events: list[Event] = []
    spec = state.spec
    for fill in result.fills:
        own = fill.price_micro if fill.asset_id == order.token_id else MICRO - fill.price_micro
        events.append(
            Event(
                "market",
                spec.condition_id,
                (order.token_id,),
                {
                    "event_type": "last_trade_price",
                    "asset_id": order.token_id,
                    "market": spec.condition_id,
                    "price": fmt_micro(own),
                    "side": order.side,
                    "size": fmt_micro(fill.matched_micro),
                    "fee_rate_bps": "0",
                    "timestamp": str(ts),
                },
            )
        )
    if result.levels:
        events.append(price_change_event(state, result.levels, ts))
    if result.fills:
        events.extend(book_events(state, ts))
    events.extend(best_bid_ask_events(state, before, ts))
    return events


def _maybe_fine_tick(ex: Exchange, state: MarketState) -> None:
    """The venue's finer grid near the extremes (thresholds configurable; the real ones are unpublished)."""
    cfg = ex.config
    last_up = state.last_trade_micro.get(state.spec.token_ids[0])
    if not cfg.auto_extreme_tick or last_up is None or state.tick_micro <= cfg.extreme_tick_micro:
        return
    if last_up > cfg.extreme_high_micro or last_up < cfg.extreme_low_micro:
        ex.set_tick_size(state.spec.condition_id, cfg.extreme_tick_micro)
