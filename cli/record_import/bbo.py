"""One-second BBO rows (``bbo_rows.BboRow``) -> the book entries feed-book would have published for
both tokens, the market records they need, and the Binance price where the file has one (pure).

A BBO row is a sample of each token's top of book, not an event: a token's top that changed since
the previous row becomes a one-level ``book.snapshot`` run through feed-book's own ``BookKeeper``
(which adds the ``book.best_bid_ask`` the quoter reads); an unchanged top gives nothing. The files
carry no depth below the top, no trades and (``market_data_*``) no ids: the condition id, and the
token ids where missing, are SYNTHETIC, derived from the slug (``synthetic_id``), so that the book
entries and the records agree; they name no real market. The record's other facts are BTC 15m's
documented ones (reference §1.3, §7.1) as named below; the strike is not in the files (alpha takes
it from the oracle's history when it has one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from cli.record_import.bbo_rows import BBO_SERIES, BboRow, Quote
from cli.record_import.discovery import Timeline
from cli.record_import.entry import EVERYTHING, Entry, Span
from common.bus import streams
from common.schemas.book import BookSnapshot, Level
from common.schemas.market import FeeSchedule, MarketRecord, Settlement
from common.schemas.ref import RefTick
from common.venue.convert import MICRO_PER_UNIT, e18, micro
from workers.feed_book.core import BookKeeper

#: BTC 15m's tick, minimum order size, reward minimum and reward band (reference §1.3, §7.4).
TICK_MICRO = 10_000
MIN_SIZE_MICRO = 5 * MICRO_PER_UNIT
REWARDS_MIN_SIZE_MICRO = 50 * MICRO_PER_UNIT
REWARDS_MAX_SPREAD_MICRO = 45_000
#: The settlement source of the spot rule (before 2026-08-07).
CHAINLINK_SOURCE = "https://data.chain.link/streams/btc-usd"
#: No taker fees on 15m crypto before 2026-01-05; from 2026-03-30 the current schedule (reference
#: §0, §7.1). Between the two the schedule (rate 0.25, exponent 2, times p) has no FeeSchedule form.
NO_FEES_BEFORE_MS = 1_767_571_200_000
CURRENT_FEES_FROM_MS = 1_774_828_800_000
CURRENT_FEES = FeeSchedule(rate_ppm=70_000, exponent=1, taker_only=True, rebate_rate_ppm=200_000)


def synthetic_id(slug: str, what: str) -> str:
    """A stable stand-in id: ``condition`` as 0x + 64 hex digits, a token as a decimal uint256."""
    digest = hashlib.sha256(f"updown-import:{slug}:{what}".encode()).digest()
    return "0x" + digest.hex() if what == "condition" else str(int.from_bytes(digest, "big"))


def bbo_record(row: BboRow, winner_index: int | None = None) -> MarketRecord:
    start_ms = row.start_s * 1000
    fees = CURRENT_FEES if start_ms >= CURRENT_FEES_FROM_MS else None
    return MarketRecord(
        series=BBO_SERIES, slug=row.slug, gamma_id="", condition_id=synthetic_id(row.slug, "condition"),
        outcomes=("Up", "Down"),
        token_ids=(row.up_token or synthetic_id(row.slug, "Up"), row.down_token or synthetic_id(row.slug, "Down")),
        protocol_version="v1", window_start_ms=start_ms, window_end_ms=row.end_s * 1000,
        tick_size_micro=TICK_MICRO, min_size_micro=MIN_SIZE_MICRO, fees_enabled=start_ms >= NO_FEES_BEFORE_MS,
        fee_schedule=fees, rewards_min_size_micro=REWARDS_MIN_SIZE_MICRO,
        rewards_max_spread_micro=REWARDS_MAX_SPREAD_MICRO, neg_risk=False,
        settlement=Settlement(kind="spot", resolution_source=CHAINLINK_SOURCE),
        active=True, closed=winner_index is not None, accepting_orders=winner_index is None, winner_index=winner_index,
    )  # fmt: skip


def market_timelines(rows: Iterable[BboRow]) -> list[Timeline]:
    """Each window's record when the file first shows it, and closed with its winner once stated."""
    timelines: dict[str, Timeline] = {}
    for row in rows:
        timeline = timelines.get(row.slug)
        if timeline is None:
            timeline = timelines[row.slug] = [(row.ms, bbo_record(row))]
        if row.outcome in ("Up", "Down") and not timeline[-1][1].closed:
            timeline.append((row.ms, bbo_record(row, winner_index=0 if row.outcome == "Up" else 1)))
    return list(timelines.values())


def _level(quote: Quote) -> tuple[Level, ...]:
    price, size = quote
    if not price or not size:
        return ()
    price_micro, size_micro = micro(price, "bbo price"), micro(size, "bbo size")
    return ((price_micro, size_micro),) if 0 < price_micro < MICRO_PER_UNIT and size_micro > 0 else ()


def book_entries(rows: Iterable[BboRow], span: Span = EVERYTHING) -> Iterator[Entry]:
    """The book events of every changed top of book in the span, and the Binance price ticks."""
    return _book_entries(sorted((r for r in rows if span.holds(r.ms)), key=lambda r: r.ms))


def _book_entries(rows: list[BboRow]) -> Iterator[Entry]:
    keeper = BookKeeper()
    records: dict[str, MarketRecord] = {}
    tops: dict[str, tuple[tuple[Level, ...], tuple[Level, ...]]] = {}
    last_btc: tuple[int, str] | None = None
    for row in rows:
        record = records.get(row.slug) or records.setdefault(row.slug, bbo_record(row))
        for token, (bid, ask) in zip(record.token_ids, (row.up, row.down), strict=True):
            top = (_level(bid), _level(ask))
            if tops.get(token) == top:
                continue
            tops[token] = top
            snapshot = BookSnapshot(market=record.condition_id, asset_id=token, bids=top[0], asks=top[1],
                                    best_bid_micro=top[0][0][0] if top[0] else None,
                                    best_ask_micro=top[1][0][0] if top[1] else None, tick_size_micro=TICK_MICRO,
                                    venue_ts_ms=row.ms, recv_ts_ms=row.ms)  # fmt: skip
            for event in keeper.apply(snapshot):
                yield Entry(row.ms, streams.book(BBO_SERIES), event, "feed-book", token, row.ms, row.ms)
        if row.btc_price and last_btc != (row.ms, row.btc_price):
            last_btc = (row.ms, row.btc_price)
            tick = RefTick(source="binance", asset="btc", symbol="btcusdt", value_e18=e18(row.btc_price, "btc_price"),
                           venue_ts_ms=row.ms, recv_ts_ms=row.ms)  # fmt: skip
            yield Entry(row.ms, streams.ref("btc"), tick, "feed-ref", tick.source, row.ms, row.ms)
