"""Malformed frames raise the one parse error and nothing else; odd but valid frames are handled."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.venue.errors import VenueParseError
from common.venue.market_ws import MarketWsParser
from common.venue.rtds import RtdsParser
from common.venue.user_ws import UserWsParser


def test_the_legacy_changes_list_format_is_converted_too():
    frame = {
        "event_type": "price_change",
        "asset_id": "9",
        "market": "0xm",
        "timestamp": "1723967931411",
        "changes": [
            {"price": "0.4", "side": "BUY", "size": "10"},
            {"price": "0.6", "side": "SELL", "size": "0"},
        ],
    }
    parser = MarketWsParser()

    (delta,) = parser.parse(json.dumps(frame), 1)

    assert delta.legacy_format is True
    assert delta.changes == (("BUY", 400_000, 10_000_000), ("SELL", 600_000, 0))
    assert parser.counts["legacy_price_change"] == 1


def test_an_unknown_market_event_type_is_counted_and_skipped():
    parser = MarketWsParser()

    assert parser.parse('{"event_type": "something_new", "market": "0x"}', 1) == []
    assert parser.counts["unknown_event_type"] == 1


@pytest.mark.parametrize(
    "frame",
    [
        "",
        "NO NEW",
        "{",
        "[1]",
        '{"market": "0x"}',
        '{"event_type": "book", "market": "0x", "asset_id": "1", "bids": 5, "asks": [], "timestamp": "1"}',
        '{"event_type": "book", "market": "0x", "asset_id": "1", "bids": [{"price": "0.5"}], "asks": []}',
        '{"event_type": "price_change", "market": "0x", "timestamp": "1", "price_changes": [{"price": "1"}]}',
        '{"event_type": "price_change", "market": "0x", "timestamp": "1", "price_changes": [7]}',
        '{"event_type": "tick_size_change", "market": "0x", "asset_id": "1", "new_tick_size": 0.01}',
        '{"event_type": "last_trade_price", "market": "0x", "asset_id": "1", "price": "0.5", "size": "1",'
        ' "side": "HOLD", "timestamp": "1"}',
    ],
)
def test_a_malformed_market_frame_raises_the_one_parse_error(frame):
    with pytest.raises(VenueParseError):
        MarketWsParser().parse(frame, 1)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.sampled_from(["0.5", "", "BUY", "1e9"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
LEVEL = {"price": "0.5", "size": "10"}
CHANGE = {"asset_id": "1", "price": "0.5", "size": "1", "side": "BUY", "best_bid": "0.5", "best_ask": "0.6"}
MAKER = {"order_id": "o", "owner": "k", "matched_amount": "5", "price": "0.5", "asset_id": "1", "side": "BUY"}
#: Valid frames of each parser, to be mutated one field at a time.
TEMPLATES = [
    (
        MarketWsParser,
        {
            "event_type": "book",
            "market": "0x",
            "asset_id": "1",
            "bids": [LEVEL],
            "asks": [LEVEL],
            "timestamp": "1",
        },
    ),
    (
        MarketWsParser,
        {"event_type": "price_change", "market": "0x", "timestamp": "1", "price_changes": [CHANGE]},
    ),
    (
        MarketWsParser,
        {
            "event_type": "tick_size_change",
            "market": "0x",
            "asset_id": "1",
            "old_tick_size": "0.01",
            "new_tick_size": "0.001",
            "timestamp": "1",
        },
    ),
    (
        UserWsParser,
        {
            "event_type": "order",
            "id": "o",
            "owner": "k",
            "market": "0x",
            "asset_id": "1",
            "side": "BUY",
            "type": "PLACEMENT",
            "status": "LIVE",
            "price": "0.5",
            "original_size": "5",
            "size_matched": "0",
            "created_at": "1",
            "timestamp": "1",
        },
    ),
    (
        UserWsParser,
        {
            "event_type": "trade",
            "id": "t",
            "status": "MATCHED",
            "market": "0x",
            "asset_id": "1",
            "side": "SELL",
            "price": "0.5",
            "size": "5",
            "taker_order_id": "x",
            "trader_side": "MAKER",
            "match_time": "1",
            "maker_orders": [MAKER],
        },
    ),
    (
        RtdsParser,
        {
            "topic": "crypto_prices_chainlink",
            "type": "update",
            "timestamp": 1,
            "payload": {
                "symbol": "btc/usd",
                "timestamp": 1,
                "value": "1.5",
                "full_accuracy_value": "1500000000000000000",
            },
        },
    ),
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TEMPLATES), st.data())
def test_a_valid_frame_with_any_one_field_broken_parses_or_raises_only_the_parse_error(template, data):
    parser_class, frame = template
    key = data.draw(st.sampled_from(sorted(frame)))
    broken = dict(frame)
    if data.draw(st.booleans()):
        del broken[key]
    else:
        broken[key] = data.draw(json_values)

    with contextlib.suppress(VenueParseError):
        parser_class().parse(json.dumps(broken), 1)


def test_every_template_frame_parses_unbroken():
    for parser_class, frame in TEMPLATES:
        assert parser_class().parse(json.dumps(frame), 1) != []


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_any_text_either_parses_or_raises_only_the_parse_error(text):
    for parser in (MarketWsParser(), UserWsParser(), RtdsParser()):
        with contextlib.suppress(VenueParseError):
            parser.parse(text, 1)
