"""The public market websocket (reference §2): frames to normalized book and market events.

A frame is a JSON object or an array of them, or a bare text (``NO NEW ASSETS``, ``PONG``) that is
not JSON. ``price_change`` comes in the current format (``price_changes[]`` with the venue's
post-change best bid/ask) or the legacy pre-Sep-2025 format (one level at the top level, or a
``changes[]`` list); the legacy format is recognised, counted, and **converted** to the same
``BookDelta`` with ``legacy_format=True``. The per-event parsers live in ``market_events``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from common.schemas.base import Message
from common.venue.convert import loads
from common.venue.errors import VenueParseError, parse_guard
from common.venue.market_events import (
    parse_best_bid_ask,
    parse_book,
    parse_last_trade,
    parse_market_resolved,
    parse_new_market,
    parse_price_change,
    parse_tick_size_change,
)

__all__ = [
    "TEXT_FRAMES",
    "MarketWsParser",
    "parse_best_bid_ask",
    "parse_book",
    "parse_last_trade",
    "parse_market_resolved",
    "parse_new_market",
    "parse_price_change",
    "parse_tick_size_change",
]

#: Bare text frames of the market channel that are acks or keep-alives, not JSON.
TEXT_FRAMES = frozenset({"NO NEW ASSETS", "PONG"})


def frame_objects(raw: str | bytes, counts: Counter[str]) -> list[dict[str, Any]]:
    """The JSON objects of one CLOB websocket frame: an object or an array of them; none for the
    bare text acks and keep-alives (counted). Raises ``VenueParseError`` on anything else."""
    if isinstance(raw, bytes | bytearray):
        raw = raw.decode("utf-8", errors="replace")
    stripped = raw.strip()
    if stripped in TEXT_FRAMES:
        counts["text:" + stripped] += 1
        return []
    decoded = loads(stripped)
    objs = decoded if isinstance(decoded, list) else [decoded]
    for obj in objs:
        if not isinstance(obj, dict):
            raise VenueParseError(f"frame element is not an object: {type(obj).__name__}")
    return objs


class MarketWsParser:
    """Turns raw market-channel frames into normalized events; ``counts`` says what it saw."""

    def __init__(self) -> None:
        #: Per kind: ``book``, ``price_change``, ``legacy_price_change``, ``text:NO NEW ASSETS``,
        #: ``unknown_event_type``, ...
        self.counts: Counter[str] = Counter()

    def parse(self, raw: str | bytes, recv_ts_ms: int) -> list[Message]:
        """All events of one frame; raises ``VenueParseError`` (only) on a malformed frame."""
        events: list[Message] = []
        with parse_guard("market event"):
            for obj in frame_objects(raw, self.counts):
                events.extend(self.parse_event(obj, recv_ts_ms))
        return events

    def parse_event(self, obj: dict[str, Any], recv_ts_ms: int) -> list[Message]:
        """The events of one decoded venue object (dispatch on ``event_type``)."""
        kind = obj.get("event_type")
        if kind is None:
            raise VenueParseError("market event without event_type")
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None or not isinstance(kind, str):
            self.counts["unknown_event_type"] += 1
            return []
        if kind == "price_change" and "price_changes" not in obj:
            self.counts["legacy_price_change"] += 1
        self.counts[kind] += 1
        return list(handler(obj, recv_ts_ms))


def _book_handler(obj: dict[str, Any], recv_ts_ms: int) -> list[Message]:
    return [parse_book(obj, recv_ts_ms)]


_HANDLERS: dict[str, Callable[[dict[str, Any], int], Sequence[Message]]] = {
    "book": _book_handler,
    "price_change": parse_price_change,
    "tick_size_change": parse_tick_size_change,
    "last_trade_price": parse_last_trade,
    "best_bid_ask": parse_best_bid_ask,
    "new_market": parse_new_market,
    "market_resolved": parse_market_resolved,
}
