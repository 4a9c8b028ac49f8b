"""Book state per token: snapshots, absolute-size deltas, epochs on tick changes, best from levels."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from common.schemas.book import BestBidAsk, BookDelta, BookSnapshot, TickSizeChange
from workers.feed_book.core import BookKeeper

MARKET = "0xabc"
TOKEN = "111"
RECV_MS = 1_000


def book_frame(bids, asks, ts=1):
    return json.dumps(
        {
            "event_type": "book",
            "market": MARKET,
            "asset_id": TOKEN,
            "bids": [{"price": p, "size": s} for p, s in bids],
            "asks": [{"price": p, "size": s} for p, s in asks],
            "timestamp": str(ts),
            "hash": "h",
        }
    )


def change_frame(changes, best_bid=None, best_ask=None, ts=2):
    entries = []
    for side, price, size in changes:
        entry = {"asset_id": TOKEN, "price": price, "size": size, "side": side, "hash": "x"}
        if best_bid is not None:
            entry |= {"best_bid": best_bid, "best_ask": best_ask}
        entries.append(entry)
    return json.dumps({"event_type": "price_change", "market": MARKET, "timestamp": str(ts), "price_changes": entries})


def tick_frame(old="0.01", new="0.001", ts=3):
    return json.dumps(
        {
            "event_type": "tick_size_change",
            "market": MARKET,
            "asset_id": TOKEN,
            "old_tick_size": old,
            "new_tick_size": new,
            "timestamp": str(ts),
        }
    )


def test_the_best_levels_come_from_the_prices_not_from_their_order_in_the_message():
    keeper = BookKeeper()

    out = keeper.on_frame(book_frame([(".48", "10"), ("0.52", "5")], [("0.6", "1"), ("0.55", "2")]), RECV_MS)

    snapshot, top = out
    assert isinstance(snapshot, BookSnapshot) and isinstance(top, BestBidAsk)
    assert (top.best_bid_micro, top.best_ask_micro, top.source) == (520_000, 550_000, "book")


def test_a_level_at_size_zero_is_removed_and_the_next_best_takes_its_place():
    keeper = BookKeeper()
    keeper.on_frame(book_frame([("0.50", "5"), ("0.49", "7")], [("0.52", "3")]), RECV_MS)

    out = keeper.on_frame(change_frame([("BUY", "0.50", "0")], "0.49", "0.52"), RECV_MS)

    delta, top = out
    assert isinstance(delta, BookDelta)
    assert top.best_bid_micro == 490_000
    snapshot = keeper.snapshot(TOKEN)
    assert snapshot is not None and snapshot.bids == ((490_000, 7_000_000),)
    assert keeper.counts["venue_top_mismatch"] == 0


def test_a_delta_that_leaves_the_top_alone_emits_no_best_bid_ask():
    keeper = BookKeeper()
    keeper.on_frame(book_frame([("0.50", "5")], [("0.52", "3")]), RECV_MS)

    out = keeper.on_frame(change_frame([("SELL", "0.60", "9")], "0.5", "0.52"), RECV_MS)

    assert [type(e) for e in out] == [BookDelta]


def test_a_tick_size_change_starts_a_new_epoch_drops_the_levels_and_waits_for_a_snapshot():
    keeper = BookKeeper()
    keeper.on_frame(book_frame([("0.50", "5")], [("0.52", "3")]), RECV_MS)

    (tick,) = keeper.on_frame(tick_frame(), RECV_MS)
    dropped = keeper.on_frame(change_frame([("BUY", "0.51", "4")]), RECV_MS)
    after = keeper.on_frame(book_frame([("0.501", "2")], [("0.502", "2")], ts=9), RECV_MS)

    assert isinstance(tick, TickSizeChange) and tick.epoch == 1
    assert dropped == [] and keeper.counts["dropped_unsynced_delta"] == 1
    assert after[0].epoch == 1
    snapshot = keeper.snapshot(TOKEN)
    assert snapshot is not None
    assert (snapshot.epoch, snapshot.bids, snapshot.tick_size_micro) == (1, ((501_000, 2_000_000),), 1_000)


def test_the_book_is_not_available_on_demand_between_a_tick_change_and_the_next_snapshot():
    keeper = BookKeeper()
    keeper.on_frame(book_frame([("0.50", "5")], [("0.52", "3")]), RECV_MS)

    keeper.on_frame(tick_frame(), RECV_MS)

    assert keeper.snapshot(TOKEN) is None


def test_deltas_before_any_snapshot_are_dropped_and_counted():
    keeper = BookKeeper()

    assert keeper.on_frame(change_frame([("BUY", "0.5", "1")]), RECV_MS) == []
    assert keeper.counts["dropped_unsynced_delta"] == 1


def test_a_book_that_disagrees_with_the_venues_reported_top_is_marked_for_resync():
    keeper = BookKeeper()
    keeper.on_frame(book_frame([("0.50", "5")], [("0.52", "3")]), RECV_MS)

    keeper.on_frame(change_frame([("BUY", "0.49", "1")], "0.51", "0.52"), RECV_MS)

    assert keeper.counts["venue_top_mismatch"] == 1
    assert TOKEN in keeper.needs_resync


def test_resync_voids_every_book_into_a_new_epoch():
    keeper = BookKeeper()
    keeper.on_frame(book_frame([("0.50", "5")], [("0.52", "3")]), RECV_MS)

    keeper.resync()

    assert keeper.snapshot(TOKEN) is None
    assert keeper.books[TOKEN].epoch == 1


def test_no_new_assets_and_pong_frames_yield_nothing_and_are_counted():
    keeper = BookKeeper()

    assert keeper.on_frame("NO NEW ASSETS", RECV_MS) == []
    assert keeper.on_frame("PONG", RECV_MS) == []
    assert keeper.parser.counts["text:NO NEW ASSETS"] == keeper.parser.counts["text:PONG"] == 1


def test_an_array_frame_applies_its_events_in_order():
    keeper = BookKeeper()
    frame = "[" + book_frame([("0.50", "5")], [("0.52", "3")]) + "," + change_frame([("SELL", "0.51", "1")]) + "]"

    out = keeper.on_frame(frame, RECV_MS)

    assert [type(e).__name__ for e in out] == ["BookSnapshot", "BestBidAsk", "BookDelta", "BestBidAsk"]
    assert out[-1].best_ask_micro == 510_000


prices = st.integers(min_value=1, max_value=999).map(lambda n: f"0.{n:03d}")
sizes = st.one_of(st.just("0"), st.integers(min_value=1, max_value=10**6).map(lambda n: f"{n // 100}.{n % 100:02d}"))
changes = st.lists(st.tuples(st.sampled_from(["BUY", "SELL"]), prices, sizes), min_size=1, max_size=6)


@settings(max_examples=100, deadline=None)
@given(st.lists(changes, max_size=30))
def test_random_deltas_keep_the_book_equal_to_a_plain_model_of_its_levels(frames):
    keeper = BookKeeper()
    keeper.on_frame(book_frame([("0.40", "1")], [("0.60", "1")]), RECV_MS)
    model = {"BUY": {400_000: 1_000_000}, "SELL": {600_000: 1_000_000}}

    for frame in frames:
        keeper.on_frame(change_frame(frame), RECV_MS)
        for side, price, size in frame:
            p, s = int(Decimal(price) * 10**6), int(Decimal(size) * 10**6)
            if s:
                model[side][p] = s
            else:
                model[side].pop(p, None)

    snapshot = keeper.snapshot(TOKEN)
    assert snapshot is not None
    assert dict(snapshot.bids) == model["BUY"] and dict(snapshot.asks) == model["SELL"]
    assert snapshot.best_bid_micro == (max(model["BUY"]) if model["BUY"] else None)
    assert snapshot.best_ask_micro == (min(model["SELL"]) if model["SELL"] else None)
    assert all(size > 0 for _, size in snapshot.bids + snapshot.asks)


bid_prices = st.integers(min_value=1, max_value=499).map(lambda n: f"0.{n:03d}")
ask_prices = st.integers(min_value=500, max_value=999).map(lambda n: f"0.{n:03d}")
uncrossed = st.lists(
    st.one_of(
        st.tuples(st.just("BUY"), bid_prices, sizes),
        st.tuples(st.just("SELL"), ask_prices, sizes),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(uncrossed, max_size=30))
def test_a_book_fed_uncrossed_levels_never_shows_a_best_bid_at_or_above_the_best_ask(frames):
    keeper = BookKeeper()
    keeper.on_frame(book_frame([("0.40", "1")], [("0.60", "1")]), RECV_MS)

    for frame in frames:
        for event in keeper.on_frame(change_frame(frame), RECV_MS):
            if isinstance(event, BestBidAsk) and None not in (event.best_bid_micro, event.best_ask_micro):
                assert event.best_bid_micro < event.best_ask_micro
