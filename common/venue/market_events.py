"""The market websocket's events (reference §2.3-2.4), one parse function each, to book events.

Each function takes one decoded venue object (with or without ``event_type``: REST books and test
fixtures omit it) and the receive time, and raises ``VenueParseError`` only. Best bid and ask of a
book are computed from its levels (sorted here), never from their order in the message.
"""

from __future__ import annotations

from typing import Any, TypedDict

from common.schemas.book import BestBidAsk, BookDelta, BookSnapshot, LastTrade, TickSizeChange
from common.schemas.market import MarketResolved, NewMarket
from common.venue.convert import MICRO_PER_UNIT, bps, epoch_ms, field, micro, side, text
from common.venue.errors import VenueParseError, guarded


class VenueLevel(TypedDict):
    price: str
    size: str


class VenueBook(TypedDict, total=False):
    event_type: str
    asset_id: str
    market: str
    bids: list[VenueLevel]
    asks: list[VenueLevel]
    timestamp: str
    hash: str
    tick_size: str


class VenuePriceChangeEntry(TypedDict, total=False):
    asset_id: str
    price: str
    size: str
    side: str
    hash: str
    best_bid: str
    best_ask: str


class VenuePriceChange(TypedDict, total=False):
    event_type: str
    market: str
    timestamp: str
    price_changes: list[VenuePriceChangeEntry]
    # Legacy single-level fields:
    asset_id: str
    price: str
    size: str
    side: str
    hash: str
    changes: list[VenuePriceChangeEntry]


#: Distinct price strings remembered (a book has at most a few thousand; sizes are not cached).
PRICE_CACHE_MAX = 65_536
_price_cache: dict[object, int] = {}


def _price(value: object) -> int:
    cached = _price_cache.get(value) if type(value) is str else None
    if cached is None:
        cached = micro(value, "price")
        if type(value) is str:
            if len(_price_cache) >= PRICE_CACHE_MAX:
                _price_cache.clear()
            _price_cache[value] = cached
    return cached


def _levels(raw: object, what: str) -> dict[int, int]:
    if not isinstance(raw, list):
        raise VenueParseError(f"{what}: not a list")
    levels: dict[int, int] = {}
    cache = _price_cache
    try:
        for level in raw:
            text_price = level["price"]
            price = cache.get(text_price) if type(text_price) is str else None
            levels[_price(text_price) if price is None else price] = micro(level["size"], "size")
    except (KeyError, TypeError) as exc:
        raise VenueParseError(f"{what}: malformed level: {exc!r}") from exc
    return levels


@guarded("book")
def parse_book(obj: dict[str, Any], recv_ts_ms: int) -> BookSnapshot:
    """A ``book`` event (or a REST ``/book`` response) as a snapshot; best levels by max/min."""
    bid_levels = _levels(field(obj, "bids", "book"), "book bids")
    ask_levels = _levels(field(obj, "asks", "book"), "book asks")
    # Sorted here, never trusted from the venue's order: best bid = max, best ask = min.
    bids = sorted(((p, s) for p, s in bid_levels.items() if s), reverse=True)
    asks = sorted((p, s) for p, s in ask_levels.items() if s)
    tick = obj.get("tick_size")
    return BookSnapshot(
        market=text(obj, "market", "book"),
        asset_id=text(obj, "asset_id", "book"),
        epoch=0,
        bids=tuple(bids),
        asks=tuple(asks),
        best_bid_micro=bids[0][0] if bids else None,
        best_ask_micro=asks[0][0] if asks else None,
        tick_size_micro=micro(tick, "tick_size") if tick not in (None, "") else None,
        hash=str(obj.get("hash") or ""),
        venue_ts_ms=epoch_ms(field(obj, "timestamp", "book")),
        recv_ts_ms=recv_ts_ms,
    )


def _venue_bid(value: object) -> int | None:
    if value is None or value == "":
        return None
    return _price(value) or None  # the venue writes "0" for an empty bid side


def _venue_ask(value: object) -> int | None:
    if value is None or value == "":
        return None
    price = _price(value)
    return price if 0 < price < MICRO_PER_UNIT else None  # "0"/"1" for an empty ask side


def _grouped_deltas(
    obj: dict[str, Any], entries: list[Any], recv_ts_ms: int, legacy: bool, default_asset: str = ""
) -> list[BookDelta]:
    market = text(obj, "market", "price_change")
    venue_ts_ms = epoch_ms(field(obj, "timestamp", "price_change"))
    by_asset: dict[str, list[tuple[Any, int, int]]] = {}
    # The venue's post-change top of each token is that of its last entry in the frame.
    last_entry: dict[str, dict[str, Any]] = {}
    for entry in entries:
        asset = (entry.get("asset_id") or default_asset) if isinstance(entry, dict) else None
        if not asset or not isinstance(asset, str):
            raise VenueParseError("price_change: entry without asset_id")
        change = (
            side(field(entry, "side", "price_change")),
            _price(field(entry, "price", "price_change")),
            micro(field(entry, "size", "price_change"), "size"),
        )
        by_asset.setdefault(asset, []).append(change)
        if "best_bid" in entry or "best_ask" in entry:
            last_entry[asset] = entry
    deltas = []
    for asset, changes in by_asset.items():
        top = last_entry.get(asset)
        deltas.append(
            BookDelta(
                market=market,
                asset_id=asset,
                epoch=0,
                changes=tuple(changes),
                venue_best_bid_micro=_venue_bid(top.get("best_bid")) if top else None,
                venue_best_ask_micro=_venue_ask(top.get("best_ask")) if top else None,
                has_venue_top=top is not None,
                legacy_format=legacy,
                venue_ts_ms=venue_ts_ms,
                recv_ts_ms=recv_ts_ms,
            )
        )
    return deltas


@guarded("price_change")
def parse_price_change(obj: dict[str, Any], recv_ts_ms: int) -> list[BookDelta]:
    """A ``price_change`` in the current or the legacy format, one ``BookDelta`` per token."""
    entries = obj.get("price_changes")
    if isinstance(entries, list):
        return _grouped_deltas(obj, entries, recv_ts_ms, legacy=False)
    legacy_changes = obj.get("changes")
    if isinstance(legacy_changes, list):
        asset = text(obj, "asset_id", "legacy price_change")
        return _grouped_deltas(obj, legacy_changes, recv_ts_ms, legacy=True, default_asset=asset)
    if "price" in obj and "asset_id" in obj:
        return _grouped_deltas(obj, [obj], recv_ts_ms, legacy=True)
    raise VenueParseError("price_change: neither price_changes[] nor a legacy level")


@guarded("tick_size_change")
def parse_tick_size_change(obj: dict[str, Any], recv_ts_ms: int) -> list[TickSizeChange]:
    """A ``tick_size_change`` (the book keeper opens a new epoch)."""
    return [
        TickSizeChange(
            market=text(obj, "market", "tick_size_change"),
            asset_id=text(obj, "asset_id", "tick_size_change"),
            old_tick_size_micro=micro(field(obj, "old_tick_size", "tick_size_change"), "old_tick_size"),
            new_tick_size_micro=micro(field(obj, "new_tick_size", "tick_size_change"), "new_tick_size"),
            venue_ts_ms=epoch_ms(field(obj, "timestamp", "tick_size_change")),
            recv_ts_ms=recv_ts_ms,
        )
    ]


@guarded("last_trade")
def parse_last_trade(obj: dict[str, Any], recv_ts_ms: int) -> list[LastTrade]:
    """A ``last_trade_price`` print."""
    fee = obj.get("fee_rate_bps")
    return [
        LastTrade(
            market=text(obj, "market", "last_trade_price"),
            asset_id=text(obj, "asset_id", "last_trade_price"),
            price_micro=micro(field(obj, "price", "last_trade_price"), "price"),
            size_micro=micro(field(obj, "size", "last_trade_price"), "size"),
            side=side(field(obj, "side", "last_trade_price")),
            fee_rate_bps=bps(fee),
            transaction_hash=str(obj.get("transaction_hash") or ""),
            venue_ts_ms=epoch_ms(field(obj, "timestamp", "last_trade_price")),
            recv_ts_ms=recv_ts_ms,
        )
    ]


@guarded("best_bid_ask")
def parse_best_bid_ask(obj: dict[str, Any], recv_ts_ms: int) -> list[BestBidAsk]:
    """The venue's ``best_bid_ask`` (custom feature)."""
    return [
        BestBidAsk(
            market=text(obj, "market", "best_bid_ask"),
            asset_id=text(obj, "asset_id", "best_bid_ask"),
            source="venue",
            best_bid_micro=_venue_bid(obj.get("best_bid")),
            best_ask_micro=_venue_ask(obj.get("best_ask")),
            venue_ts_ms=epoch_ms(field(obj, "timestamp", "best_bid_ask")),
            recv_ts_ms=recv_ts_ms,
        )
    ]


def _str_tuple(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise VenueParseError(f"{what}: not a list of strings")
    return tuple(value)


@guarded("new_market")
def parse_new_market(obj: dict[str, Any], recv_ts_ms: int) -> list[NewMarket]:
    """The venue's ``new_market`` notice (custom feature)."""
    tick = obj.get("order_price_min_tick_size")
    active = obj.get("active")
    return [
        NewMarket(
            market=str(obj.get("market") or text(obj, "condition_id", "new_market")),
            gamma_id=str(field(obj, "id", "new_market")),
            slug=text(obj, "slug", "new_market"),
            question=str(obj.get("question") or ""),
            asset_ids=_str_tuple(field(obj, "assets_ids", "new_market"), "new_market assets_ids"),
            outcomes=_str_tuple(obj.get("outcomes") or [], "new_market outcomes"),
            tick_size_micro=micro(tick, "order_price_min_tick_size") if tick not in (None, "") else None,
            active=active if isinstance(active, bool) else None,
            venue_ts_ms=epoch_ms(field(obj, "timestamp", "new_market")),
            recv_ts_ms=recv_ts_ms,
        )
    ]


@guarded("market_resolved")
def parse_market_resolved(obj: dict[str, Any], recv_ts_ms: int) -> list[MarketResolved]:
    """The venue's ``market_resolved`` notice (custom feature)."""
    return [
        MarketResolved(
            market=text(obj, "market", "market_resolved"),
            gamma_id=str(obj.get("id") or ""),
            asset_ids=_str_tuple(field(obj, "assets_ids", "market_resolved"), "market_resolved assets_ids"),
            winning_asset_id=text(obj, "winning_asset_id", "market_resolved"),
            winning_outcome=text(obj, "winning_outcome", "market_resolved"),
            venue_ts_ms=epoch_ms(field(obj, "timestamp", "market_resolved")),
            recv_ts_ms=recv_ts_ms,
        )
    ]
