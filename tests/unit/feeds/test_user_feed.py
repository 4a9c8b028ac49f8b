"""Our fills from the user channel: once per (trade id, status), from our maker entry or the top level."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from common.schemas.user import TRADE_STATUSES, Fill
from workers.feed_user.core import UserFeed

OURS = "key-ours"
THEIRS = "key-theirs"
RECV_MS = 5


def trade_frame(trade_id="t1", status="MATCHED", trader_side="MAKER", makers=None, owner=THEIRS):
    if makers is None:
        makers = [
            {
                "order_id": "o-ours",
                "owner": OURS,
                "matched_amount": "10",
                "price": "0.40",
                "asset_id": "UP",
                "side": "BUY",
            },
            {
                "order_id": "o-theirs",
                "owner": THEIRS,
                "matched_amount": "3",
                "price": "0.41",
                "asset_id": "UP",
            },
        ]
    return json.dumps(
        {
            "event_type": "trade",
            "type": "TRADE",
            "id": trade_id,
            "status": status,
            "market": "0xm",
            "asset_id": "UP",
            "side": "SELL",
            "price": "0.39",
            "size": "13",
            "taker_order_id": "o-taker",
            "trader_side": trader_side,
            "owner": owner,
            "match_time": "1700000000",
            "timestamp": "1700000000123",
            "maker_orders": makers,
        }
    )


def test_a_maker_fill_takes_our_entrys_price_and_size_not_the_takers():
    feed = UserFeed(api_keys=[OURS])

    (fill,) = feed.on_frame(trade_frame(), RECV_MS)

    assert isinstance(fill, Fill)
    assert (fill.order_id, fill.role, fill.side) == ("o-ours", "MAKER", "BUY")
    assert (fill.price_micro, fill.size_micro) == (400_000, 10_000_000)
    assert fill.match_time_ms == 1_700_000_000_000


def test_a_maker_entry_without_a_side_on_the_takers_token_took_the_other_side():
    feed = UserFeed(api_keys=[THEIRS])

    (fill,) = feed.on_frame(trade_frame(), RECV_MS)

    assert (fill.order_id, fill.side) == ("o-theirs", "BUY")  # the taker sold UP


def test_a_maker_entry_without_a_side_on_the_other_token_took_the_same_side_as_the_taker():
    makers = [{"order_id": "o-1", "owner": OURS, "matched_amount": "2", "price": "0.6", "asset_id": "DOWN"}]
    feed = UserFeed(api_keys=[OURS])

    (fill,) = feed.on_frame(trade_frame(makers=makers), RECV_MS)

    assert (fill.asset_id, fill.side, fill.price_micro) == ("DOWN", "SELL", 600_000)  # a merge match


def test_our_taker_fill_comes_from_the_top_level_when_we_were_the_taker():
    feed = UserFeed(api_keys=[OURS])

    (fill,) = feed.on_frame(trade_frame(trader_side="TAKER", owner=OURS, makers=[]), RECV_MS)

    assert (fill.order_id, fill.role, fill.side, fill.price_micro, fill.size_micro) == (
        "o-taker",
        "TAKER",
        "SELL",
        390_000,
        13_000_000,
    )


def test_a_maker_side_report_never_yields_a_taker_fill_even_for_our_api_key_at_the_top():
    feed = UserFeed(api_keys=[OURS], our_order_ids=[])
    makers = [{"order_id": "x", "owner": THEIRS, "matched_amount": "1", "price": "0.5", "asset_id": "UP"}]

    assert feed.on_frame(trade_frame(owner=OURS, makers=makers), RECV_MS) == []


def test_each_status_of_a_trade_gives_its_own_fill_and_repeats_give_none():
    feed = UserFeed(api_keys=[OURS])

    statuses = ["MATCHED", "MATCHED", "MINED", "CONFIRMED", "MINED", "CONFIRMED"]
    fills = [f for status in statuses for f in feed.on_frame(trade_frame(status=status), RECV_MS)]

    assert [f.status for f in fills] == ["MATCHED", "MINED", "CONFIRMED"]
    assert len({f.fill_id for f in fills}) == 3
    assert feed.counts["duplicate_trade_status"] == 3


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["t1", "t2", "t3", "t4"]), st.sampled_from(TRADE_STATUSES)),
        max_size=40,
    )
)
def test_dedupe_emits_each_trade_id_and_status_exactly_once_whatever_the_redeliveries(deliveries):
    feed = UserFeed(api_keys=[OURS])

    fills = [f for trade_id, status in deliveries for f in feed.on_frame(trade_frame(trade_id, status), RECV_MS)]

    assert sorted((f.trade_id, f.status) for f in fills) == sorted(set(deliveries))


def test_the_dedupe_memory_is_bounded_and_forgets_the_oldest_pairs():
    feed = UserFeed(api_keys=[OURS], dedupe_capacity=2)

    for trade_id in ["a", "b", "c"]:
        feed.on_frame(trade_frame(trade_id), RECV_MS)

    assert len(feed.on_frame(trade_frame("a"), RECV_MS)) == 1  # forgotten, so seen as new
    assert feed.on_frame(trade_frame("c"), RECV_MS) == []


def test_orders_told_by_the_executor_are_attributed_without_an_api_key_match():
    feed = UserFeed(api_keys=[])
    feed.add_our_orders(["o-theirs"])

    (fill,) = feed.on_frame(trade_frame(), RECV_MS)

    assert fill.order_id == "o-theirs"


def test_a_failed_trade_is_reported_as_a_failed_fill_for_the_ledger_to_reverse():
    feed = UserFeed(api_keys=[OURS])

    (fill,) = feed.on_frame(trade_frame(status="FAILED"), RECV_MS)

    assert fill.status == "FAILED"


def test_a_key_added_later_an_executor_instances_makes_its_fills_ours_too():
    instance_key = "key-executor-1"
    makers = [{"order_id": "o-inst", "owner": instance_key, "matched_amount": "4", "price": "0.40", "asset_id": "UP",
               "side": "BUY"}]  # fmt: skip
    feed = UserFeed(api_keys=[OURS])
    assert feed.on_frame(trade_frame(makers=makers), RECV_MS) == []

    feed.add_key(instance_key)

    (fill,) = feed.on_frame(trade_frame(trade_id="t2", makers=makers), RECV_MS)
    assert (fill.order_id, fill.size_micro) == ("o-inst", 4_000_000)
