"""What feed-book and feed-ref would have made of the emulator's frames, through their own code.

Book: every market-channel message the exchange emits (book, price_change, last_trade_price,
tick_size_change, and the custom best_bid_ask and market_resolved feed-book subscribes to) for
the tokens feed-book follows, as the JSON text the websocket sends, through feed-book's
``BookKeeper``; a token is followed from the moment discovery publishes its window's record (the
venue then sends its book as a snapshot, as on a live subscribe) until the window is resolved
(``MarketsView``, feed-book's own view of ``markets``). Reference prices: each tick as the RTDS
frame the emulator sends, through feed-ref's ``RtdsTransport`` (Chainlink, Binance and the 60-s
TWAP, sources ``chainlink``, ``binance``, ``chainlink_twap60``).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from cli.record_import.entry import Entry
from common.bus import streams
from common.schemas.base import Message
from common.schemas.market import MarketLifecycle, MarketRecord
from sim.exchange.events import Event, book_event
from sim.exchange.publish import summary
from sim.exchange.state import MarketState
from sim.rtds import TOPICS, tick_payload
from sim.world.feeds import FeedTick
from workers.feed_book.core import BookKeeper
from workers.feed_ref.core import RtdsTransport
from workers.markets_view import MarketsView

BOOK_FEED = "book"


class BookTap:
    """The market channel of one connection that follows discovery, as feed-book writes it."""

    def __init__(self) -> None:
        self.keeper = BookKeeper()
        self.view = MarketsView()
        self._frames: list[str] = []

    def on_event(self, event: Event) -> None:
        """An exchange event (its listener): kept when feed-book would have received it."""
        if event.channel != "market" or event.payload.get("event_type") == "new_market":
            return  # new_market names no token feed-book follows: it writes nothing of it
        if any(asset in self.view.series_of_token for asset in event.asset_ids):
            self._frames.append(json.dumps(event.payload))

    def drain(self, now_ms: int) -> list[Entry]:
        """The book events of the frames received since the last call, at ``now_ms``."""
        frames, self._frames = self._frames, []
        out: list[Entry] = []
        for text in frames:
            out += self._entries(self.keeper.on_frame(text, now_ms), now_ms)
        return out

    def on_markets(self, body: Message, now_ms: int, market_of: Callable[[str], MarketState | None]) -> list[Entry]:
        """Follow discovery: a new window's tokens are subscribed (their books arrive as snapshots),
        a resolved window's are dropped. ``market_of``: the exchange's market of a token."""
        if isinstance(body, MarketRecord):
            new = self.view.on_record(body)
            states = [(t, market_of(t)) for t in new]
            snapshots = [book_event(summary(state, t, now_ms)) for t, state in states if state is not None]
            if snapshots:
                return self._entries(self.keeper.on_frame(json.dumps(snapshots), now_ms), now_ms)
        elif isinstance(body, MarketLifecycle):
            gone = self.view.on_lifecycle(body)
            if gone:
                self.keeper.forget(gone)
        return []

    def _entries(self, events: list[Message], now_ms: int) -> list[Entry]:
        out = []
        for event in events:
            asset = str(getattr(event, "asset_id", "") or "")
            series = self.view.series_of_token.get(asset)
            if series is None:
                continue  # a token feed-book no longer follows
            venue_ms = int(getattr(event, "venue_ts_ms", now_ms))
            out.append(Entry(now_ms, streams.book(series), event, "feed-book", asset, venue_ms, now_ms))
        return out


class RefTap:
    """The RTDS frames of the world's ticks, parsed by feed-ref's transport."""

    def __init__(self, assets: list[str]) -> None:
        self.transport = RtdsTransport(assets)

    def entries(self, ticks: list[FeedTick], now_ms: int) -> list[Entry]:
        out = []
        for tick in ticks:
            frame = json.dumps({"topic": TOPICS[tick.source], "type": "update", "timestamp": now_ms,
                                "payload": tick_payload(tick)}, separators=(",", ":"))  # fmt: skip
            for ref in self.transport.parse(frame, now_ms):
                out.append(Entry(now_ms, streams.ref(ref.asset), ref, "feed-ref", ref.source, ref.venue_ts_ms, now_ms))
        return out
