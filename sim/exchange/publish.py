"""Builds the market-channel events that follow a change of the canonical book."""

from __future__ import annotations

import hashlib

from sim.exchange.events import Event, book_event, book_summary
from sim.exchange.money import MICRO, fmt_micro
from sim.exchange.orders import BID
from sim.exchange.state import MarketState


def _fmt_or(value: int | None, default: str) -> str:
    return fmt_micro(value) if value is not None else default


def summary(state: MarketState, token_id: str, ts_ms: int) -> dict[str, object]:
    bids, asks = state.token_levels(token_id)
    return book_summary(
        state.spec, token_id, bids, asks, ts_ms, state.tick_micro, state.last_trade_micro.get(token_id)
    )


def _change_hash(token_id: str, price_micro: int, size_micro: int, ts_ms: int) -> str:
    # A digest of the change itself: hashing the whole book on every level change would cost more than
    # the matching; the venue's own per-change hash is undocumented and clients only use it as an id.
    return hashlib.sha1(f"{token_id}:{price_micro}:{size_micro}:{ts_ms}".encode()).hexdigest()


def book_events(state: MarketState, ts_ms: int) -> list[Event]:
    spec = state.spec
    return [
        Event("market", spec.condition_id, (t,), book_event(summary(state, t, ts_ms))) for t in spec.token_ids
    ]


def price_change_event(state: MarketState, levels: dict[tuple[str, int], int], ts_ms: int) -> Event:
    """Both tokens' mirrored entries for every changed canonical level."""
    spec = state.spec
    up, down = spec.token_ids
    tops = {t: state.top(t) for t in spec.token_ids}
    changes = []
    for (side, price), total in sorted(levels.items()):
        for token, own_price, own_side in ((up, price, side == BID), (down, MICRO - price, side != BID)):
            bid, ask = tops[token]
            changes.append(
                {
                    "asset_id": token,
                    "price": fmt_micro(own_price),
                    "size": fmt_micro(total),
                    "side": "BUY" if own_side else "SELL",
                    "hash": _change_hash(token, own_price, total, ts_ms),
                    "best_bid": _fmt_or(bid, "0"),
                    "best_ask": _fmt_or(ask, "1"),
                }
            )
    payload = {
        "event_type": "price_change",
        "market": spec.condition_id,
        "price_changes": changes,
        "timestamp": str(ts_ms),
    }
    return Event("market", spec.condition_id, spec.token_ids, payload)


def best_bid_ask_events(
    state: MarketState, before: dict[str, tuple[int | None, int | None]], ts_ms: int
) -> list[Event]:
    events = []
    for token in state.spec.token_ids:
        bid, ask = state.top(token)
        if (bid, ask) == before[token]:
            continue
        spread = (ask - bid) if bid is not None and ask is not None else None
        payload = {
            "event_type": "best_bid_ask",
            "market": state.spec.condition_id,
            "asset_id": token,
            "best_bid": _fmt_or(bid, "0"),
            "best_ask": _fmt_or(ask, "1"),
            "spread": _fmt_or(spread, "1"),
            "timestamp": str(ts_ms),
        }
        events.append(Event("market", state.spec.condition_id, (token,), payload))
    return events


def tops(state: MarketState) -> dict[str, tuple[int | None, int | None]]:
    return {t: state.top(t) for t in state.spec.token_ids}
