"""The market-websocket and REST book captures parse into the normalized book events, field by field.

Expected values were read off the files themselves (see each test).
"""

from __future__ import annotations

import pytest

from common.schemas.book import BestBidAsk, BookDelta, BookSnapshot, LastTrade, TickSizeChange
from common.schemas.market import MarketResolved, NewMarket
from common.venue.clob_rest import parse_rest_book
from common.venue.market_ws import (
    MarketWsParser,
    parse_book,
    parse_last_trade,
    parse_price_change,
    parse_tick_size_change,
)
from tests.shared_data import needs_shared_data

from ._captures import CAPTURES_HTTP, CAPTURES_WS, FIXTURES, RECV_MS, obj, raw

pytestmark = needs_shared_data

TRUMP_MARKET = "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917"
TRUMP_NO = "48331043336612883890938759509493159234755048973500640148014422747788308965732"
TRUMP_YES = "21742633143463906290569050155826241533067272736897614950488156847949938836455"
FIXTURE_TOKEN = "71321045679252212594626385532706912750332728571942532289631379312455583992563"


def parse_one(path):
    parser = MarketWsParser()
    events = parser.parse(raw(path), RECV_MS)
    assert len(events) == 1
    return events[0], parser


def test_the_real_book_capture_gives_best_bid_0_511_and_best_ask_0_514_from_the_levels():
    # book.json: 76 bids listed 0.001 → 0.511, 86 asks listed 0.999 → 0.514 (best last in both).
    snapshot, parser = parse_one(CAPTURES_WS / "book.json")

    assert isinstance(snapshot, BookSnapshot)
    assert (snapshot.market, snapshot.asset_id) == (TRUMP_MARKET, TRUMP_NO)
    assert snapshot.best_bid_micro == 511_000
    assert snapshot.best_ask_micro == 514_000
    assert snapshot.bids[0] == (511_000, 1_304_720_000)
    assert snapshot.asks[0] == (514_000, 20_230_870_000)
    assert snapshot.bids[-1] == (1_000, 9_000_023_580_000)
    assert snapshot.asks[-1] == (999_000, 10_500_100_000_000)
    assert (len(snapshot.bids), len(snapshot.asks)) == (76, 86)
    assert sum(size for _, size in snapshot.bids) == 19_320_404_920_000
    assert sum(size for _, size in snapshot.asks) == 13_940_479_910_000
    assert snapshot.hash == "655a38d4977427b086c25b985993691b753ed166"
    assert (snapshot.venue_ts_ms, snapshot.recv_ts_ms) == (1728799418260, RECV_MS)
    assert parser.counts["book"] == 1


def test_the_legacy_single_level_price_change_is_recognised_counted_and_converted():
    delta, parser = parse_one(CAPTURES_WS / "price_change.json")

    assert isinstance(delta, BookDelta)
    assert delta.legacy_format is True
    assert parser.counts["legacy_price_change"] == 1
    assert (delta.market, delta.asset_id) == (TRUMP_MARKET, TRUMP_NO)
    assert delta.changes == (("SELL", 514_000, 21_574_080_000),)
    assert delta.has_venue_top is False
    assert delta.venue_ts_ms == 1723967931411


def test_the_current_price_change_format_keeps_every_level_and_the_venues_top():
    delta, parser = parse_one(CAPTURES_WS / "price_change_v2.json")

    assert isinstance(delta, BookDelta)
    assert delta.legacy_format is False
    assert parser.counts["legacy_price_change"] == 0
    assert delta.market == "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1"
    assert delta.asset_id == "52114319501245915516055106046884209969926127482827954674443846427813813222426"
    assert delta.changes == (
        ("BUY", 600_000, 3_300_000_000),
        ("BUY", 500_000, 3_400_000_000),
        ("BUY", 700_000, 3_400_000_000),
    )
    assert (delta.venue_best_bid_micro, delta.venue_best_ask_micro) == (600_000, 700_000)
    assert delta.venue_ts_ms == 1729084877448


def test_a_two_token_price_change_gives_one_delta_per_token():
    deltas = parse_price_change(obj(FIXTURES / "ws_quotes.json"), RECV_MS)

    assert [d.asset_id for d in deltas] == [
        FIXTURE_TOKEN,
        "52114319501245915516055106046884209969926127482827954674443846427813813222426",
    ]
    assert deltas[0].changes == (("BUY", 510_000, 150_000_000),)
    assert deltas[1].changes == (("SELL", 490_000, 100_000_000),)
    assert (deltas[1].venue_best_bid_micro, deltas[1].venue_best_ask_micro) == (480_000, 490_000)


def test_the_real_tick_size_change_goes_from_0_01_to_0_001():
    event, _ = parse_one(CAPTURES_WS / "tick_size_change.json")

    assert isinstance(event, TickSizeChange)
    assert event.asset_id == "115474063863764126958837769719736461272619491980773624567012766320777398670353"
    assert event.market == "0xbacdf04bf7f22a670dc4fb408878ec56b76f9934599829455b9371693ba84b8b"
    assert (event.old_tick_size_micro, event.new_tick_size_micro) == (10_000, 1_000)
    assert event.venue_ts_ms == 1739068041853


def test_the_real_last_trade_price_is_a_sell_of_85_36_at_0_491():
    event, _ = parse_one(CAPTURES_WS / "last_trade_price.json")

    assert isinstance(event, LastTrade)
    assert (event.market, event.asset_id) == (TRUMP_MARKET, TRUMP_YES)
    assert (event.side, event.price_micro, event.size_micro) == ("SELL", 491_000, 85_360_000)
    assert event.fee_rate_bps == 0
    assert event.venue_ts_ms == 1724564136087


def test_the_best_bid_ask_fixture_gives_0_73_and_0_77():
    event, _ = parse_one(FIXTURES / "ws_market_best_bid_ask_msg.json")

    assert isinstance(event, BestBidAsk)
    assert event.source == "venue"
    assert event.asset_id == "85354956062430465315924116860125388538595433819574542752031640332592237464430"
    assert (event.best_bid_micro, event.best_ask_micro) == (730_000, 770_000)
    assert event.venue_ts_ms == 1766789469958


def test_the_new_market_fixture_names_the_nvda_market_and_its_two_tokens():
    event, _ = parse_one(FIXTURES / "ws_market_new_market_msg.json")

    assert isinstance(event, NewMarket)
    assert event.gamma_id == "1031769"
    assert event.slug == "nvda-above-240-on-january-30-2026"
    assert event.market == "0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1"
    assert event.asset_ids == (
        "76043073756653678226373981964075571318267289248134717369284518995922789326425",
        "31690934263385727664202099278545688007799199447969475608906331829650099442770",
    )
    assert event.outcomes == ("Yes", "No")
    assert event.tick_size_micro == 10_000
    assert event.active is True


def test_the_market_resolved_fixture_names_yes_as_the_winner():
    event, _ = parse_one(FIXTURES / "ws_market_resolved_msg.json")

    assert isinstance(event, MarketResolved)
    assert event.market == "0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1"
    assert event.winning_asset_id == ("76043073756653678226373981964075571318267289248134717369284518995922789326425")
    assert event.winning_outcome == "Yes"
    assert len(event.asset_ids) == 2


@pytest.mark.parametrize(
    ("path", "best_bid", "best_ask", "depth"),
    [
        (FIXTURES / "ws_market_book_msg.json", (500_000, 200_000_000), (510_000, 150_000_000), (2, 2)),
        (FIXTURES / "ws_book_snapshot.json", (500_000, 200_000_000), (510_000, 150_000_000), (3, 3)),
        (FIXTURES / "clob_book_response.json", (500_000, 150_000_000), (510_000, 120_000_000), (3, 3)),
        (CAPTURES_HTTP / "book.json", (100_000, 125_000_000), (140_000, 705_000_000), (5, 7)),
    ],
    ids=lambda value: getattr(value, "name", None),
)
def test_book_fixtures_and_rest_books_give_the_best_levels_whatever_their_order(path, best_bid, best_ask, depth):
    # ws_book_snapshot lists asks worst first; http/book.json lists bids worst first, asks worst first.
    snapshot = parse_rest_book(obj(path), RECV_MS)

    assert snapshot.bids[0] == best_bid
    assert snapshot.asks[0] == best_ask
    assert (snapshot.best_bid_micro, snapshot.best_ask_micro) == (best_bid[0], best_ask[0])
    assert (len(snapshot.bids), len(snapshot.asks)) == depth
    assert all(a[0] > b[0] for a, b in zip(snapshot.bids, snapshot.bids[1:], strict=False))
    assert all(a[0] < b[0] for a, b in zip(snapshot.asks, snapshot.asks[1:], strict=False))


def test_the_market_book_fixture_through_the_frame_parser_matches_the_direct_parse():
    event, _ = parse_one(FIXTURES / "ws_market_book_msg.json")

    assert event == parse_book(obj(FIXTURES / "ws_market_book_msg.json"), RECV_MS)
    assert event.market == TRUMP_MARKET
    assert event.venue_ts_ms == 1703875200000


def test_fixture_last_trades_with_and_without_event_type_parse_alike():
    framed, _ = parse_one(FIXTURES / "ws_market_last_trade_msg.json")
    (bare,) = parse_last_trade(obj(FIXTURES / "ws_last_trade.json"), RECV_MS)

    assert framed == bare
    assert (bare.side, bare.price_micro, bare.size_micro) == ("BUY", 510_000, 25_000_000)
    assert bare.venue_ts_ms == 1703875202000


def test_fixture_tick_size_changes_with_and_without_event_type_parse_alike():
    framed, _ = parse_one(FIXTURES / "ws_market_tick_size_msg.json")
    (bare,) = parse_tick_size_change(obj(FIXTURES / "ws_tick_size_change.json"), RECV_MS)

    assert framed == bare
    assert (bare.old_tick_size_micro, bare.new_tick_size_micro) == (100_000, 10_000)


def test_the_price_change_fixture_gives_one_bid_level_and_the_venues_top():
    delta, _ = parse_one(FIXTURES / "ws_market_price_change_msg.json")

    assert delta.changes == (("BUY", 510_000, 150_000_000),)
    assert (delta.venue_best_bid_micro, delta.venue_best_ask_micro) == (510_000, 520_000)
    assert delta.venue_ts_ms == 1703875201000
