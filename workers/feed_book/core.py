"""Book state per token, kept from the market websocket's events (pure: no I/O, no clock).

Feed it raw frame text and the receive time (``on_frame``) or parsed events (``apply``); get back
the normalized events to publish, stamped with the token's book epoch, plus a ``BestBidAsk``
(source ``book``) whenever the computed top of book changes. Best bid and ask are the max / min of
the levels held, never the order of a message. A ``tick_size_change`` (or a ``resync``) voids the
token's book and opens a new epoch; deltas are then dropped, and counted, until a fresh ``book``
snapshot arrives. A delta whose result disagrees with the venue's own reported top is counted as a
mismatch and the token is listed in ``needs_resync`` (the loop resubscribes it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from common.schemas.base import Message
from common.schemas.book import BestBidAsk, BookDelta, BookSnapshot, TickSizeChange
from common.venue.market_ws import MarketWsParser


@dataclass(slots=True)
class TokenBook:
    """The levels of one token in one epoch (prices and sizes in micro-units)."""

    market: str
    asset_id: str
    epoch: int
    bids: dict[int, int] = field(default_factory=dict)
    asks: dict[int, int] = field(default_factory=dict)
    #: False after a tick change or resync, until the next snapshot.
    synced: bool = False
    best_bid_micro: int | None = None
    best_ask_micro: int | None = None
    tick_size_micro: int | None = None
    hash: str = ""
    venue_ts_ms: int = 0
    recv_ts_ms: int = 0

    def load(self, snapshot: BookSnapshot) -> None:
        self.bids = dict(snapshot.bids)
        self.asks = dict(snapshot.asks)
        self.best_bid_micro = max(self.bids) if self.bids else None
        self.best_ask_micro = min(self.asks) if self.asks else None
        if snapshot.tick_size_micro is not None:
            self.tick_size_micro = snapshot.tick_size_micro
        self.synced = True
        self.hash = snapshot.hash
        self.venue_ts_ms, self.recv_ts_ms = snapshot.venue_ts_ms, snapshot.recv_ts_ms

    def change(self, side: str, price_micro: int, size_micro: int) -> None:
        if side == "BUY":
            self._change(self.bids, price_micro, size_micro)
            best = self.best_bid_micro
            if size_micro and (best is None or price_micro > best):
                self.best_bid_micro = price_micro
            elif not size_micro and price_micro == best:
                self.best_bid_micro = max(self.bids) if self.bids else None
        else:
            self._change(self.asks, price_micro, size_micro)
            best = self.best_ask_micro
            if size_micro and (best is None or price_micro < best):
                self.best_ask_micro = price_micro
            elif not size_micro and price_micro == best:
                self.best_ask_micro = min(self.asks) if self.asks else None

    @staticmethod
    def _change(levels: dict[int, int], price_micro: int, size_micro: int) -> None:
        if size_micro:
            levels[price_micro] = size_micro
        else:
            levels.pop(price_micro, None)

    def void(self) -> None:
        self.bids.clear()
        self.asks.clear()
        self.best_bid_micro = self.best_ask_micro = None
        self.synced = False


class BookKeeper:
    """Books of every token seen on one market-websocket connection."""

    def __init__(self) -> None:
        self.parser = MarketWsParser()
        self.books: dict[str, TokenBook] = {}
        #: ``snapshots``, ``deltas``, ``dropped_unsynced_delta``, ``venue_top_mismatch``, ``epochs``...
        self.counts: Counter[str] = Counter()
        #: Tokens whose book disagreed with the venue: resubscribe them for a fresh snapshot.
        self.needs_resync: set[str] = set()

    def on_frame(self, raw: str | bytes, recv_ts_ms: int) -> list[Message]:
        """Parse one frame and apply it; raises ``VenueParseError`` for a malformed frame."""
        out: list[Message] = []
        for event in self.parser.parse(raw, recv_ts_ms):
            out.extend(self.apply(event))
        return out

    def apply(self, event: Message) -> list[Message]:
        """Apply one parsed event; the events to publish (stamped with the token's epoch)."""
        if isinstance(event, BookDelta):
            return self._delta(event)
        if isinstance(event, BookSnapshot):
            return self._snapshot(event)
        if isinstance(event, TickSizeChange):
            book = self._book(event.market, event.asset_id)
            self._new_epoch(book)
            book.tick_size_micro = event.new_tick_size_micro
            return [event.model_copy(update={"epoch": book.epoch})]
        if isinstance(event, BestBidAsk):
            known = self.books.get(event.asset_id)
            return [event.model_copy(update={"epoch": known.epoch})] if known else [event]
        return [event]

    def resync(self, asset_ids: list[str] | None = None) -> None:
        """Void the books (all, or of the given tokens) after a reconnect: new epochs, await snapshots."""
        for asset_id in self.books if asset_ids is None else asset_ids:
            book = self.books.get(asset_id)
            if book is not None:
                self._new_epoch(book)

    def forget(self, asset_ids: list[str]) -> None:
        """Drop tokens no longer subscribed (a window rolled off)."""
        for asset_id in asset_ids:
            self.books.pop(asset_id, None)
            self.needs_resync.discard(asset_id)

    def snapshot(self, asset_id: str) -> BookSnapshot | None:
        """The current book of a token, best first; None when unknown or awaiting a snapshot."""
        book = self.books.get(asset_id)
        if book is None or not book.synced:
            return None
        return BookSnapshot(
            market=book.market,
            asset_id=asset_id,
            epoch=book.epoch,
            bids=tuple(sorted(book.bids.items(), reverse=True)),
            asks=tuple(sorted(book.asks.items())),
            best_bid_micro=book.best_bid_micro,
            best_ask_micro=book.best_ask_micro,
            tick_size_micro=book.tick_size_micro,
            hash=book.hash,
            venue_ts_ms=book.venue_ts_ms,
            recv_ts_ms=book.recv_ts_ms,
        )

    def _book(self, market: str, asset_id: str) -> TokenBook:
        book = self.books.get(asset_id)
        if book is None:
            book = self.books[asset_id] = TokenBook(market=market, asset_id=asset_id, epoch=0)
        return book

    def _new_epoch(self, book: TokenBook) -> None:
        book.void()
        book.epoch += 1
        self.counts["epochs"] += 1
        self.needs_resync.discard(book.asset_id)

    def _snapshot(self, event: BookSnapshot) -> list[Message]:
        book = self._book(event.market, event.asset_id)
        before = (book.best_bid_micro, book.best_ask_micro, book.synced)
        book.load(event)
        self.counts["snapshots"] += 1
        self.needs_resync.discard(book.asset_id)
        out: list[Message] = [_with_epoch(event, book.epoch)]
        if before != (book.best_bid_micro, book.best_ask_micro, True):
            out.append(self._top(book, event.venue_ts_ms, event.recv_ts_ms))
        return out

    def _delta(self, event: BookDelta) -> list[Message]:
        book = self.books.get(event.asset_id)
        if book is None or not book.synced:
            self.counts["dropped_unsynced_delta"] += 1
            return []
        before = (book.best_bid_micro, book.best_ask_micro)
        for side, price_micro, size_micro in event.changes:
            book.change(side, price_micro, size_micro)
        book.venue_ts_ms, book.recv_ts_ms = event.venue_ts_ms, event.recv_ts_ms
        self.counts["deltas"] += 1
        self._check_venue_top(book, event)
        out: list[Message] = [_with_epoch(event, book.epoch)]
        if before != (book.best_bid_micro, book.best_ask_micro):
            out.append(self._top(book, event.venue_ts_ms, event.recv_ts_ms))
        return out

    def _check_venue_top(self, book: TokenBook, event: BookDelta) -> None:
        if not event.has_venue_top:
            return
        if (event.venue_best_bid_micro, event.venue_best_ask_micro) != (
            book.best_bid_micro,
            book.best_ask_micro,
        ):
            self.counts["venue_top_mismatch"] += 1
            self.needs_resync.add(book.asset_id)

    @staticmethod
    def _top(book: TokenBook, venue_ts_ms: int, recv_ts_ms: int) -> BestBidAsk:
        return BestBidAsk(
            market=book.market,
            asset_id=book.asset_id,
            source="book",
            epoch=book.epoch,
            best_bid_micro=book.best_bid_micro,
            best_ask_micro=book.best_ask_micro,
            venue_ts_ms=venue_ts_ms,
            recv_ts_ms=recv_ts_ms,
        )


def _with_epoch(event: BookSnapshot | BookDelta, epoch: int) -> BookSnapshot | BookDelta:
    """The event stamped with its book's epoch. It was validated when parsed; re-validating a copy
    (``model_copy``) on every delta costs more than applying it, so the copy is constructed."""
    if event.epoch == epoch:
        return event
    fields = {**event.__dict__, "epoch": epoch}
    return type(event).model_construct(_fields_set=event.model_fields_set | {"epoch"}, **fields)
