"""``updown top``'s view model (pure, from one snapshot) and its text frame; the snapshot read from a
real Redis with the keys the workers write."""

from __future__ import annotations

import json

import redis

from bench.feed_book import MARKET, TOKENS, record
from common import state
from common.bus import streams
from common.bus.codec import encode
from common.latency import LATENCY_KEY
from common.runner.control import TRADING_MODE_KEY
from common.schemas.book import BookSnapshot
from common.schemas.feed import FeedStatus
from common.schemas.ops import FEED_DOWN, AlertRaised
from common.schemas.positions import MarketPosition, OutcomePosition, WindowSummary
from common.top import render, snapshot, view
from tests.unit.quoter_loop.test_user_feed_pull import signal_for


def _outcome(token: str, name: str, shares: int) -> OutcomePosition:
    return OutcomePosition(token_id=token, outcome=name, matched_shares_micro=shares, mined_shares_micro=0,
                           confirmed_shares_micro=0, shares_micro=shares, cost_micro=shares // 2,
                           avg_cost_micro=500_000, mark_micro=None, unrealized_pnl_micro=0)  # fmt: skip


def fill_redis(client: redis.Redis) -> int:
    """What a running bot leaves in Redis, for one window; returns a moment inside that window."""
    m = record()
    now = (m.window_start_ms or 0) + 60_000
    client.hset(state.MARKETS, m.slug, m.model_dump_json())
    sig = signal_for(m.series or "", m.slug, m.window_end_ms or 0).model_copy(update={"q_up_ppm": 612_000})
    client.xadd(streams.signal(m.series or ""), encode(sig, src="alpha", event_ms=now, ingest_ms=now, emit_ms=now))
    for token, (bid, ask) in zip(TOKENS, ((590_000, 610_000), (380_000, 420_000)), strict=True):
        book = BookSnapshot(market=MARKET, asset_id=token, bids=(), asks=(), best_bid_micro=bid, best_ask_micro=ask,
                            venue_ts_ms=now, recv_ts_ms=now)  # fmt: skip
        client.set(state.book_key(token), book.model_dump_json())
    order = {"order_id": "o1", "market": MARKET, "token_id": TOKENS[0], "side": "BUY", "price_micro": 580_000,
             "size_micro": 10_000_000, "size_matched_micro": 2_000_000}
    client.hset(state.ORDERS, "o1", json.dumps(order))
    position = MarketPosition(market=MARKET, slug=m.slug, outcomes=(_outcome(TOKENS[0], "Up", 7_000_000),
                              _outcome(TOKENS[1], "Down", 2_000_000)), mergeable_full_sets_micro=0,
                              realized_pnl_micro=1_500_000, unrealized_pnl_micro=-250_000, taker_fees_paid_micro=0,
                              maker_fee_equivalent_micro=0, rebate_estimate_micro=0, at_ms=now)  # fmt: skip
    state.put(client, state.POSITIONS, MARKET, position)
    summary = WindowSummary(market=MARKET, slug=m.slug, winner=None, quotes_posted=3, quotes_replaced=1,
                            quotes_cancelled=0, orders_rejected=0, fills=4, volume_micro=0, shares_micro=0,
                            taker_fees_paid_micro=0, rebate_estimate_micro=0, realized_pnl_micro=0,
                            inventory_at_resolution_micro={}, at_ms=now)  # fmt: skip
    state.put(client, state.PNL, m.slug, summary)
    client.set(TRADING_MODE_KEY, "FLATTENING")
    state.put(client, state.FEEDS, "book", FeedStatus(feed="book", state="down", since_ms=now - 3_000, reason="closed"))
    client.hset("health:quoter", mapping={"worker": "quoter", "instance": "quoter", "state": "running", "ts_ms": now})
    client.hset(LATENCY_KEY, mapping={"tick_to_order.p50_ms": "8.5", "tick_to_order.p99_ms": "41.0",
                                      "tick_to_cancel.p50_ms": "6.5", "tick_to_cancel.p99_ms": "30.0"})
    client.hset(snapshot.EXEC_STATUS_KEY, "status", json.dumps({"heartbeat": "late", "quarantined_markets": [MARKET]}))
    alert = AlertRaised(kind=FEED_DOWN, severity="critical", process="feed-book", group="feed-book", subject="book",
                        detail="closed", raised_ms=now)  # fmt: skip
    client.xadd(streams.ALERTS, encode(alert, src="feed-book", event_ms=now, ingest_ms=now, emit_ms=now))
    return now


def test_the_view_of_a_running_bot_has_every_element_and_the_frame_shows_them(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        now = fill_redis(client)
        shown = view.build(snapshot.read(client, now))
    finally:
        client.close()

    [row] = shown.series
    assert row.time_left_ms == 840_000 and row.fair_up_ppm == 612_000 and row.regime == "NORMAL"
    up, down = row.outcomes
    assert (up.best_bid_micro, up.best_ask_micro, down.best_bid_micro, down.best_ask_micro) == (590_000, 610_000,
                                                                                                380_000, 420_000)
    assert up.ladder == (("BUY", 580_000, 8_000_000),) and down.ladder == ()
    assert (up.shares_micro, down.shares_micro, row.unpaired_micro) == (7_000_000, 2_000_000, 5_000_000)
    assert (row.window_fills, row.window_pnl_micro) == (4, 1_250_000)
    assert (shown.day_fills, shown.day_pnl_micro, shown.trading_mode) == (4, 1_250_000, "FLATTENING")
    assert shown.feeds == (("book", "down", 3_000, "closed"),) and shown.workers == (("quoter", "running", 0),)
    assert (shown.tick_to_order_p50_ms, shown.venue_heartbeat, shown.quarantined) == (8.5, "late", (MARKET,))
    assert (shown.tick_to_cancel_p50_ms, shown.tick_to_cancel_p99_ms) == (6.5, 30.0)
    assert shown.alerts == (("critical", FEED_DOWN, "book (feed-book)", "closed"),)

    frame = render.render_text(shown, width=200)
    for text in ("mode FLATTENING", "840 s", "0.612", "NORMAL", "0.590", "0.610", "0.380",
                 "0.420", "B0.580x8.00", "7.00", "5.00", "+1.25", "tick-to-order p50/p99 8.5/41.0 ms",
                 "tick-to-cancel 6.5/30.0 ms",
                 "venue heartbeat late", FEED_DOWN, MARKET[:10]):
        assert text in frame, (text, frame)
    line = render.one_line(shown)
    assert "fair 0.612 NORMAL" in line and "Up 0.590/0.610 (1 ours)" in line and "feeds 0/1 up" in line


def test_an_empty_redis_gives_a_view_that_says_it_waits_for_the_first_window() -> None:
    shown = view.build(snapshot.Snapshot(now_ms=0))

    assert shown.series == () and "(no window yet)" in render.render_text(shown)
    assert "waiting for the first window" in render.one_line(shown)
