"""Wire dicts of the market and user channels, shaped like the real captures."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sim.exchange.markets import OUTCOMES, MarketSpec
from sim.exchange.money import fmt_micro
from sim.exchange.orders import MakerFill, Order, Trade

#: Market-channel event types delivered only to subscribers with ``custom_feature_enabled``.
CUSTOM_EVENT_TYPES = frozenset({"best_bid_ask", "market_resolved", "new_market"})


@dataclass(frozen=True)
class Event:
    """One wire message. ``owner`` (API key) is set on user-channel events only."""

    channel: str
    market: str
    asset_ids: tuple[str, ...]
    payload: dict[str, Any]
    owner: str | None = None

    @property
    def custom(self) -> bool:
        return self.payload.get("event_type") in CUSTOM_EVENT_TYPES


def levels_json(levels: list[tuple[int, int]]) -> list[dict[str, str]]:
    return [{"price": fmt_micro(p), "size": fmt_micro(s)} for p, s in levels]


def book_summary(
    spec: MarketSpec,
    token_id: str,
    bids: list[tuple[int, int]],
    asks: list[tuple[int, int]],
    ts_ms: int,
    tick_micro: int,
    last_trade_micro: int | None,
) -> dict[str, object]:
    """The REST ``/book`` body. Bids run lowest→highest and asks highest→lowest (best last), as the
    venue sends them; ``hash`` is SHA-1 over the compact JSON with the hash blanked."""
    body: dict[str, object] = {
        "market": spec.condition_id,
        "asset_id": token_id,
        "timestamp": str(ts_ms),
        "hash": "",
        "bids": levels_json(list(reversed(bids))),
        "asks": levels_json(list(reversed(asks))),
        "min_order_size": fmt_micro(spec.min_size_micro),
        "tick_size": fmt_micro(tick_micro),
        "neg_risk": spec.neg_risk,
        "last_trade_price": fmt_micro(last_trade_micro) if last_trade_micro is not None else "",
    }
    serialized = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    body["hash"] = hashlib.sha1(serialized.encode("utf-8")).hexdigest()
    return body


def book_event(summary: dict[str, object]) -> dict[str, object]:
    return {
        "event_type": "book",
        "asset_id": summary["asset_id"],
        "market": summary["market"],
        "bids": summary["bids"],
        "asks": summary["asks"],
        "timestamp": summary["timestamp"],
        "hash": summary["hash"],
    }


def order_event(order: Order, kind: str, status: str, ts_ms: int) -> dict[str, object]:
    return {
        "event_type": "order",
        "id": order.order_id,
        "owner": order.owner,
        "order_owner": order.owner,
        "market": order.market,
        "asset_id": order.token_id,
        "side": order.side,
        "original_size": fmt_micro(order.original_size_micro),
        "size_matched": fmt_micro(order.size_matched_micro),
        "price": fmt_micro(order.price_micro),
        "associate_trades": list(order.associate_trades) or None,
        "outcome": OUTCOMES[order.outcome_index],
        "type": kind,
        "status": status,
        "order_type": order.order_type,
        "created_at": str(order.created_ms // 1000),
        "expiration": str(order.expiration_s),
        "maker_address": order.maker_address,
        "timestamp": str(ts_ms),
    }


def _maker_order_json(fill: MakerFill) -> dict[str, object]:
    return {
        "order_id": fill.order_id,
        "owner": fill.owner,
        "maker_address": fill.maker_address,
        "matched_amount": fmt_micro(fill.matched_micro),
        "price": fmt_micro(fill.price_micro),
        "fee_rate_bps": "0",
        "asset_id": fill.asset_id,
        "outcome": OUTCOMES[fill.outcome_index],
        "outcome_index": fill.outcome_index,
        "side": fill.side,
    }


def trade_json(trade: Trade, recipient_owner: str, trader_side: str) -> dict[str, object]:
    """A trade as seen by one party: the taker's order at top level, every maker fill in
    ``maker_orders`` (a maker finds its own by ``order_id`` or ``owner``)."""
    return {
        "event_type": "trade",
        "type": "TRADE",
        "id": trade.trade_id,
        "taker_order_id": trade.taker_order_id,
        "market": trade.market,
        "asset_id": trade.asset_id,
        "side": trade.side,
        "size": fmt_micro(trade.size_micro),
        "price": fmt_micro(trade.price_micro),
        "fee_rate_bps": taker_fee_bps(trade),
        "status": trade.status,
        "match_time": str(trade.match_ms // 1000),
        "last_update": str((trade.last_update_ms or trade.match_ms) // 1000),
        "outcome": OUTCOMES[trade.outcome_index],
        "bucket_index": 0,
        "owner": trade.taker_owner,
        "trade_owner": recipient_owner,
        "maker_address": trade.taker_address,
        "transaction_hash": trade.transaction_hash,
        "maker_orders": [_maker_order_json(f) for f in trade.makers],
        "trader_side": trader_side,
        "timestamp": str(trade.last_update_ms or trade.match_ms),
    }


def taker_fee_bps(trade: Trade) -> str:
    """The fee that actually applied, in bps of the taker's notional."""
    notional = (
        sum(
            f.matched_micro * (f.price_micro if f.asset_id == trade.asset_id else 1_000_000 - f.price_micro)
            for f in trade.makers
        )
        // 1_000_000
    )
    if not notional or not trade.fee_micro:
        return "0"
    return str(round(trade.fee_micro * 10_000 / notional))


def trade_events(trade: Trade) -> list[Event]:
    """One event per recipient: the taker's key and every distinct maker key."""
    asset = (trade.asset_id,)
    events = [
        Event("user", trade.market, asset, trade_json(trade, trade.taker_owner, "TAKER"), trade.taker_owner)
    ]
    for owner in dict.fromkeys(f.owner for f in trade.makers):
        events.append(Event("user", trade.market, asset, trade_json(trade, owner, "MAKER"), owner))
    return events
