"""Each source kind's converter: what a window's records look like over time, what a BBO row and a
capture become through feed-book's own book keeper, and the RTDS sample through feed-ref's parser."""

from __future__ import annotations

import gzip
import json

from cli.record_import.bbo import book_entries, market_timelines, synthetic_id
from cli.record_import.bbo_rows import market_data_row
from cli.record_import.chainlink import market_timeline
from cli.record_import.discovery import market_entries
from cli.record_import.entry import Span, parse_time
from cli.record_import.rtds import rtds_entries
from cli.record_import.ws_capture import capture_entries
from common.schemas.book import BestBidAsk, BookSnapshot
from common.schemas.feed import RawFrame
from common.schemas.market import MarketLifecycle, MarketRecord
from common.schemas.ref import RefTick
from common.venue.convert import loads
from tests.shared_data import SHARED_DATA, needs_shared_data

START_S = 1780912800  # 2026-06-08 10:00 UTC, a recorded 5-minute window


def recorded_market(slug: str) -> dict[str, object]:
    with gzip.open(SHARED_DATA / "chainlink" / "BTC-5m-markets-2026-06-08.jsonl.gz", "rt") as f:
        return next(m for m in map(loads, f) if m["slug"] == slug)


def phases(entries: list) -> list[tuple[int, str]]:
    return [(e.ms // 1000 - START_S, e.body.phase if isinstance(e.body, MarketLifecycle) else "record")
            for e in entries]  # fmt: skip


@needs_shared_data
def test_a_recorded_window_is_discovered_a_window_ahead_gets_its_strike_at_its_start_and_resolves_with_its_winner():
    market = recorded_market(f"btc-updown-5m-{START_S}")
    entries = market_entries([market_timeline(market)])
    assert phases(entries)[:5] == [(-300, "record"), (-300, "discovered"), (0, "record"), (0, "open"), (240, "closing")]
    assert phases(entries)[5] == (300, "closed")
    assert [p for _, p in phases(entries)[6:]] == ["record", "resolved"]
    first, at_start, final = (e.body for e in entries if isinstance(e.body, MarketRecord))
    assert first.strike_e18 is None and not first.closed and first.winner_index is None
    assert at_start.strike_e18 == int(market["strike_value"])  # type: ignore[call-overload]
    assert final.closed and final.winner_index == (0 if market["outcome_prices"] == ["1", "0"] else 1)
    assert entries[-1].body.winner_index == final.winner_index
    assert {e.src for e in entries} == {"discovery"} and {e.stream for e in entries} == {"markets"}


@needs_shared_data
def test_an_import_starting_inside_a_window_publishes_what_discovery_knows_then():
    market = recorded_market(f"btc-updown-5m-{START_S}")
    entries = market_entries([market_timeline(market)], Span((START_S + 100) * 1000))
    assert phases(entries)[:3] == [(100, "record"), (100, "discovered"), (100, "open")]
    assert entries[0].body.strike_e18 is not None


def bbo_row(ts: str, up_bid: str = "0.45", up_ask: str = "0.47") -> dict[str, str]:
    return {"Timestamp": ts, "TargetTime": "2025-12-26 10:30:00", "Expiration": "2025-12-26 10:45:00",
            "UpBid": up_bid, "UpAsk": up_ask, "UpBidLiquidity": "100.5", "UpAskLiquidity": "80",
            "DownBid": "0.53", "DownAsk": "0.55", "DownBidLiquidity": "80", "DownAskLiquidity": "100.5"}  # fmt: skip


def test_a_bbo_row_is_a_one_level_snapshot_and_top_per_token_and_an_unchanged_row_gives_nothing():
    rows = [market_data_row(bbo_row("2025-12-26 10:34:14")), market_data_row(bbo_row("2025-12-26 10:34:15")),
            market_data_row(bbo_row("2025-12-26 10:34:16", up_bid="0.46"))]  # fmt: skip
    entries = list(book_entries(rows))
    [record] = [r for _, r in market_timelines(rows)[0]]
    slug = "btc-updown-15m-1766745000"
    assert record.slug == slug and record.token_ids == (synthetic_id(slug, "Up"), synthetic_id(slug, "Down"))
    assert record.condition_id == synthetic_id(slug, "condition") and not record.fees_enabled
    assert [(e.ms // 1000 - 1766745254, type(e.body).__name__) for e in entries] == [
        (0, "BookSnapshot"), (0, "BestBidAsk"), (0, "BookSnapshot"), (0, "BestBidAsk"),
        (2, "BookSnapshot"), (2, "BestBidAsk")]  # fmt: skip
    up = entries[0].body
    assert isinstance(up, BookSnapshot) and up.asset_id == record.token_ids[0] and up.market == record.condition_id
    assert up.bids == ((450_000, 100_500_000),) and up.asks == ((470_000, 80_000_000),)
    top = entries[-1].body
    assert isinstance(top, BestBidAsk) and top.source == "book" and top.best_bid_micro == 460_000
    assert {e.stream for e in entries} == {"book.btc-updown-15m"} and {e.src for e in entries} == {"feed-book"}


def test_an_empty_side_of_a_bbo_row_is_an_empty_side_of_the_book():
    entries = list(book_entries([market_data_row(bbo_row("2025-12-26 10:44:59", up_bid="0.0", up_ask=""))]))
    assert entries[0].body.bids == () and entries[0].body.asks == ()  # type: ignore[union-attr]


@needs_shared_data
def test_captured_market_frames_become_raw_frames_and_what_feed_book_makes_of_them():
    folder = SHARED_DATA / "polymarket-ws" / "captures" / "ws"
    frames = [(folder / name).read_text() for name in ("book.json", "price_change.json")]
    entries = capture_entries(frames, series="btc-updown-15m")
    kinds = [(e.stream, type(e.body).__name__) for e in entries]
    # the legacy price_change is of a token no snapshot opened: as in a run, only its raw frame
    assert kinds == [("raw.book", "RawFrame"), ("raw.book", "RawFrame"), ("book.btc-updown-15m", "BookSnapshot"),
                     ("book.btc-updown-15m", "BestBidAsk")]  # fmt: skip
    assert [e.ms for e in entries] == sorted(e.ms for e in entries)
    raw = entries[1].body
    assert isinstance(raw, RawFrame) and raw.text == frames[0]
    assert entries[2].key == json.loads(frames[0])["asset_id"]


@needs_shared_data
def test_the_rtds_sample_gives_raw_frames_and_the_ticks_of_both_sources_in_the_relays_time_order():
    with gzip.open(SHARED_DATA / "rtds-chainlink-binance-oct2025" / "chainlink_crypto_prices_2025-10-29.jsonl.gz",
                   "rt") as f:  # fmt: skip
        lines = [next(f) for _ in range(60)]
    entries = list(rtds_entries(lines, assets=("btc",)))
    assert [e.ms for e in entries] == sorted(e.ms for e in entries)
    assert sum(e.stream == "raw.ref" for e in entries) == 60
    ticks = [e.body for e in entries if e.stream == "ref.btc"]
    assert ticks and all(isinstance(t, RefTick) and t.source == "chainlink" and t.symbol == "btc/usd" for t in ticks)
    assert not any(e.stream.startswith("ref.") and e.stream != "ref.btc" for e in entries)


def test_a_window_over_before_the_span_with_no_resolution_known_is_left_out():
    rows = [market_data_row(bbo_row("2025-12-26 10:34:14"))]
    timelines = market_timelines(rows)
    assert market_entries(timelines, Span(parse_time("2025-12-26T10:46:00"))) == []
    assert phases_of(market_entries(timelines, Span(parse_time("2025-12-26T10:40:00")))) == [
        "record", "discovered", "open", "closing", "closed"]  # fmt: skip


def phases_of(entries: list) -> list[str]:
    return [e.body.phase if isinstance(e.body, MarketLifecycle) else "record" for e in entries]
