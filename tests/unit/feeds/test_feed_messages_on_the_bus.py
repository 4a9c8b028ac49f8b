"""Every feed message survives the bus codec unchanged (msgpack, validated on decode)."""

from __future__ import annotations

import json

import pytest

from common.bus.codec import decode, encode
from common.schemas.base import registry
from common.schemas.market import FeeSchedule, MarketLifecycle
from common.venue.market_ws import MarketWsParser
from common.venue.rtds import RtdsParser
from common.venue.user_ws import UserWsParser
from workers.feed_user.core import UserFeed

from ._helpers import T_15M, record_for


def roundtrip(message):
    fields = encode(message, src="test", key="k", event_ms=1, ingest_ms=2, emit_ms=3)
    return decode(fields).body


def market_events():
    frames = [
        {
            "event_type": "book",
            "market": "0xm",
            "asset_id": "1",
            "bids": [{"price": ".48", "size": "10"}],
            "asks": [{"price": "0.52", "size": "3"}],
            "timestamp": "1700000000000",
            "hash": "h",
        },
        {
            "event_type": "price_change",
            "market": "0xm",
            "timestamp": "1700000000001",
            "price_changes": [
                {
                    "asset_id": "1",
                    "price": "0.5",
                    "size": "2",
                    "side": "BUY",
                    "best_bid": "0.5",
                    "best_ask": "0.52",
                }
            ],
        },
        {
            "event_type": "tick_size_change",
            "market": "0xm",
            "asset_id": "1",
            "old_tick_size": "0.01",
            "new_tick_size": "0.001",
            "timestamp": "1700000000002",
        },
        {
            "event_type": "last_trade_price",
            "market": "0xm",
            "asset_id": "1",
            "price": "0.5",
            "size": "1",
            "side": "BUY",
            "fee_rate_bps": "0",
            "timestamp": "1700000000003",
        },
        {
            "event_type": "best_bid_ask",
            "market": "0xm",
            "asset_id": "1",
            "best_bid": "0.5",
            "best_ask": "0.52",
            "timestamp": "1700000000004",
        },
        {
            "event_type": "new_market",
            "id": "9",
            "market": "0xm",
            "slug": "s",
            "assets_ids": ["1", "2"],
            "outcomes": ["Up", "Down"],
            "timestamp": "1700000000005",
        },
        {
            "event_type": "market_resolved",
            "id": "9",
            "market": "0xm",
            "assets_ids": ["1", "2"],
            "winning_asset_id": "1",
            "winning_outcome": "Up",
            "timestamp": "1700000000006",
        },
    ]
    return MarketWsParser().parse(json.dumps(frames), 7)


def user_events():
    order = {
        "event_type": "order",
        "id": "o",
        "owner": "k",
        "market": "0xm",
        "asset_id": "1",
        "side": "BUY",
        "type": "PLACEMENT",
        "status": "LIVE",
        "price": "0.5",
        "original_size": "5",
        "size_matched": "0",
        "created_at": "1700000000",
        "timestamp": "1700000000000",
        "associate_trades": ["t"],
    }
    trade = {
        "event_type": "trade",
        "id": "t",
        "status": "MINED",
        "market": "0xm",
        "asset_id": "1",
        "side": "SELL",
        "price": "0.5",
        "size": "5",
        "taker_order_id": "x",
        "trader_side": "MAKER",
        "match_time": "1700000000",
        "maker_orders": [{"order_id": "o", "owner": "k", "matched_amount": "5", "price": "0.5", "asset_id": "1"}],
    }
    parsed = UserWsParser().parse(json.dumps([order, trade]), 7)
    return parsed + UserFeed(api_keys=["k"]).fills(parsed[1])


def ref_events():
    frame = {
        "topic": "crypto_prices_twap_sixty",
        "type": "update",
        "timestamp": 1,
        "payload": {
            "symbol": "btc/usd",
            "timestamp": 1786856400000,
            "value": 118234.5,
            "full_accuracy_value": "118234500000000000000000",
        },
    }
    return RtdsParser().parse(json.dumps(frame), 7)


def market_records():
    record = record_for(
        "btc-updown-15m-1767200400",
        T_15M,
        900,
        strike_e18=118_234_567_890_000_000_000_000,
        fee_schedule=FeeSchedule(rate_ppm=70_000, exponent=1, taker_only=True, rebate_rate_ppm=200_000),
    )
    lifecycle = MarketLifecycle(
        series=record.series,
        slug=record.slug,
        condition_id=record.condition_id,
        phase="resolved",
        window_start_ms=1,
        window_end_ms=2,
        at_ms=3,
        cause="ws",
        winner_index=0,
        winning_asset_id="11",
        winning_outcome="Up",
    )
    return [record, lifecycle]


MESSAGES = market_events() + user_events() + ref_events() + market_records()


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.TYPE)
def test_a_feed_message_decodes_to_an_equal_message(message):
    assert roundtrip(message) == message


def test_every_feed_message_type_is_covered():
    modules = {"common.schemas.book", "common.schemas.market", "common.schemas.user", "common.schemas.ref"}
    declared = {name for name, model in registry().items() if model.__module__ in modules}

    assert {m.TYPE for m in MESSAGES} == declared


def test_a_reference_price_above_64_bits_travels_as_a_decimal_string():
    (tick,) = ref_events()

    assert tick.value_e18 > 2**64
    assert tick.model_dump(mode="json")["value_e18"] == "118234500000000000000000"
