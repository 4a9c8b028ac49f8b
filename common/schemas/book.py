"""Normalized order-book events of one outcome token, as ``feed-book`` publishes them.

Prices are integer micro-pUSD per share and sizes integer micro-shares. ``venue_ts_ms`` is the
venue's stamp, ``recv_ts_ms`` when our feed received the frame. ``epoch`` numbers the books of one
token: it starts at 0 and moves on each tick-size change or resynchronisation, and levels of one
epoch are never mixed with another's (a consumer drops its copy when the epoch changes).

``side`` uses the venue's words: ``BUY`` is the bid side, ``SELL`` the ask side.
"""

from __future__ import annotations

from typing import Literal

from common.schemas.base import Message

Side = Literal["BUY", "SELL"]
#: One price level: (price_micro, size_micro).
Level = tuple[int, int]
#: One level change: (side, price_micro, new absolute size_micro; 0 removes the level).
LevelChange = tuple[Side, int, int]


class BookSnapshot(Message):
    """The whole book of one token: levels best first, best bid/ask computed from the levels."""

    TYPE = "book.snapshot"
    VERSION = 1

    market: str
    asset_id: str
    epoch: int = 0
    #: Bids best (highest) first.
    bids: tuple[Level, ...]
    #: Asks best (lowest) first.
    asks: tuple[Level, ...]
    best_bid_micro: int | None
    best_ask_micro: int | None
    tick_size_micro: int | None = None
    hash: str = ""
    venue_ts_ms: int
    recv_ts_ms: int


class BookDelta(Message):
    """Level changes of one token from one venue frame, to apply together (absolute sizes)."""

    TYPE = "book.delta"
    VERSION = 1

    market: str
    asset_id: str
    epoch: int = 0
    changes: tuple[LevelChange, ...]
    #: The venue's own post-change top of book (absent in the legacy format); for cross-checks only.
    venue_best_bid_micro: int | None = None
    venue_best_ask_micro: int | None = None
    #: Whether the frame carried the venue's top for this token (None above can mean an empty side).
    has_venue_top: bool = False
    #: True when converted from the legacy (pre-Sep-2025) single-level ``price_change`` format.
    legacy_format: bool = False
    venue_ts_ms: int
    recv_ts_ms: int


class TickSizeChange(Message):
    """The token's tick changed: the book is dropped and a new epoch waits for a fresh snapshot."""

    TYPE = "book.tick_size_change"
    VERSION = 1

    market: str
    asset_id: str
    #: The new epoch (the book of the previous epoch is void).
    epoch: int = 0
    old_tick_size_micro: int
    new_tick_size_micro: int
    venue_ts_ms: int
    recv_ts_ms: int


class LastTrade(Message):
    """A trade print on the public feed (``last_trade_price``; also data-API trade rows)."""

    TYPE = "book.trade"
    VERSION = 1

    market: str
    asset_id: str
    price_micro: int
    size_micro: int
    #: The taker's side.
    side: Side
    fee_rate_bps: int | None = None
    transaction_hash: str = ""
    venue_ts_ms: int
    recv_ts_ms: int


class BestBidAsk(Message):
    """Top of book of one token: from the venue's ``best_bid_ask`` or computed from our book."""

    TYPE = "book.best_bid_ask"
    VERSION = 1

    market: str
    asset_id: str
    source: Literal["venue", "book"]
    epoch: int = 0
    best_bid_micro: int | None
    best_ask_micro: int | None
    venue_ts_ms: int
    recv_ts_ms: int
