"""Captured market-websocket messages (``polymarket-ws/captures/ws/``): each -> a ``raw.book`` frame
and the book events feed-book's own ``BookKeeper`` makes of it on ``book.<series>`` (pure).

The captures are single messages of unrelated markets, no receive time: the message's own
``timestamp`` is its time. As in a run, a ``price_change`` for a token whose book no snapshot has
opened yet gives nothing but its raw frame (feed-book drops such deltas and counts them).
User-channel captures (``order``, ``trade``) are another account's orders and trades: the bot's
``fills`` and ``orders`` streams hold only its own, so they are not imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cli.record_import.entry import EVERYTHING, Entry, Span
from common.bus import streams
from common.schemas.feed import RawFrame
from common.venue.convert import epoch_ms, loads
from workers.feed_book.core import BookKeeper

#: ``event_type`` of the market channel's messages (reference §2).
MARKET_EVENTS = frozenset({"book", "price_change", "tick_size_change", "last_trade_price", "best_bid_ask",
                           "new_market", "market_resolved"})  # fmt: skip
#: ``event_type`` of the user channel's messages.
USER_EVENTS = frozenset({"order", "trade"})
#: Why the user channel's captures are not imported.
USER_SKIPPED = "the user channel (another account's orders and trades; fills and orders hold only the bot's)"
#: The series the captures' book events go under when ``--series`` names none.
CAPTURE_SERIES = "captures"
FEED = "book"


def event_types(text: str) -> set[str]:
    """The ``event_type`` of every message of a frame (an object or an array of them)."""
    decoded = loads(text)
    objs: list[Any] = decoded if isinstance(decoded, list) else [decoded]
    return {str(o["event_type"]) for o in objs if isinstance(o, dict) and o.get("event_type") is not None}


def frame_ms(text: str) -> int:
    """A frame's time: its (first) message's own ``timestamp``."""
    decoded = loads(text)
    first = decoded[0] if isinstance(decoded, list) else decoded
    return epoch_ms(first["timestamp"], "capture timestamp")


def capture_entries(frames: Iterable[str], span: Span = EVERYTHING, series: str = CAPTURE_SERIES) -> list[Entry]:
    """Every market-channel frame in the span and its book events, in time order."""
    keeper = BookKeeper()
    out = []
    for ms, text in sorted(((frame_ms(f), f) for f in frames), key=lambda p: p[0]):
        if not span.holds(ms):
            continue
        out.append(Entry(ms, streams.raw(FEED), RawFrame(feed=FEED, text=text), "feed-book", FEED, ms, ms))
        for event in keeper.on_frame(text, ms):
            asset = str(getattr(event, "asset_id", "") or "")
            venue_ms = int(getattr(event, "venue_ts_ms", ms))
            out.append(Entry(ms, streams.book(series), event, "feed-book", asset, venue_ms, ms))
    return out
