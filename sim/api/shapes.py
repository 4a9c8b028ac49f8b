"""REST body shapes of orders, trades and markets (snake_case, decimal strings)."""

from __future__ import annotations

from datetime import UTC, datetime

from sim.exchange.events import trade_json
from sim.exchange.markets import OUTCOMES
from sim.exchange.money import MICRO, fmt_micro
from sim.exchange.orders import Order, Trade
from sim.exchange.state import MarketState


def open_order_json(order: Order) -> dict[str, object]:
    return {
        "id": order.order_id,
        "status": order.status,
        "owner": order.owner,
        "maker_address": order.maker_address,
        "market": order.market,
        "asset_id": order.token_id,
        "side": order.side,
        "original_size": fmt_micro(order.original_size_micro),
        "size_matched": fmt_micro(order.size_matched_micro),
        "price": fmt_micro(order.price_micro),
        "outcome": OUTCOMES[order.outcome_index],
        "expiration": str(order.expiration_s),
        "order_type": order.order_type,
        "associate_trades": list(order.associate_trades),
        "created_at": order.created_ms // 1000,
    }


def rest_trade_json(trade: Trade, owner: str) -> dict[str, object]:
    side = "TAKER" if trade.taker_owner == owner else "MAKER"
    body = trade_json(trade, owner, side)
    for key in ("event_type", "type", "timestamp", "trade_owner"):
        body.pop(key)
    return body


def num(value_micro: int) -> int | float:
    """A JSON number as the venue writes it: ``5`` rather than ``5.0``, ``0.01`` as is."""
    whole, frac = divmod(value_micro, MICRO)
    return whole if not frac else value_micro / MICRO


def _iso(ts_s: int) -> str:
    return datetime.fromtimestamp(ts_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _price(state: MarketState, index: int) -> float:
    if state.winner_index is not None:
        return 1.0 if state.winner_index == index else 0.0
    last = state.last_trade_micro.get(state.spec.token_ids[index])
    return last / MICRO if last is not None else 0.5


def market_json(state: MarketState) -> dict[str, object]:
    """``GET /markets/{condition_id}`` (numbers where the venue sends numbers)."""
    spec = state.spec
    resolved = state.winner_index is not None
    return {
        "enable_order_book": True,
        "active": not resolved,
        "closed": resolved,
        "archived": False,
        "accepting_orders": state.accepting,
        "accepting_order_timestamp": None,
        "minimum_order_size": num(spec.min_size_micro),
        "minimum_tick_size": num(state.tick_micro),
        "condition_id": spec.condition_id,
        "question_id": spec.question_id,
        "question": spec.slug,
        "description": "",
        "market_slug": spec.slug,
        "end_date_iso": _iso(spec.window_end_s),
        "game_start_time": _iso(spec.window_start_s),
        "seconds_delay": 0,
        "fpmm": "",
        "maker_base_fee": 1000,
        "taker_base_fee": 1000,
        "notifications_enabled": False,
        "neg_risk": spec.neg_risk,
        "neg_risk_market_id": "",
        "neg_risk_request_id": "",
        "icon": "",
        "image": "",
        "rewards": {
            "rates": None,
            "min_size": num(spec.rewards_min_size_micro),
            "max_spread": float(spec.rewards_max_spread_cents),
        },
        "is_50_50_outcome": False,
        "tokens": [
            {
                "token_id": t,
                "outcome": OUTCOMES[i],
                "price": _price(state, i),
                "winner": state.winner_index == i,
            }
            for i, t in enumerate(spec.token_ids)
        ],
        "tags": ["Crypto", "Up or Down"],
    }


def clob_market_json(state: MarketState) -> dict[str, object]:
    """``GET /clob-markets/{condition_id}``: the compact V2 keys."""
    spec = state.spec
    body: dict[str, object] = {
        "c": spec.condition_id,
        "t": [{"t": t, "o": OUTCOMES[i]} for i, t in enumerate(spec.token_ids)],
        "mts": num(state.tick_micro),
        "fd": {"r": float(spec.fee_rate), "e": spec.fee_exponent, "to": True},
        "mbf": 1000,
        "tbf": 1000,
        "r": {"mi": num(spec.rewards_min_size_micro), "ma": float(spec.rewards_max_spread_cents), "e": True},
        "ao": state.accepting,
        "mos": num(spec.min_size_micro),
        "sd": 0,
        "gst": _iso(spec.window_start_s),
        "cbos": False,
        "aot": None,
        "rfqe": False,
        "itode": False,
        "ibce": False,
    }
    if spec.neg_risk:
        body["nr"] = True
    return body


def fmt_fee_rate(state: MarketState) -> str:
    return fmt_micro(int(state.spec.fee_rate * MICRO))
