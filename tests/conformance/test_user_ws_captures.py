"""The user-channel captures parse into order events, trade reports and our attributed fills.

Expected values were read off the files: in ``user_trade3.json`` the taker bought *No* at 0.49
while the maker order of API key ``a93a3d32-…`` (order ``0x3ad09f22…``) bought *Yes* at 0.513.
"""

from __future__ import annotations

import pytest

from common.schemas.user import Fill, OrderEvent, UserTrade
from common.venue.user_ws import UserWsParser, parse_order, parse_trade
from tests.shared_data import needs_shared_data
from workers.feed_user.core import UserFeed

from ._captures import CAPTURES_WS, FIXTURES, RECV_MS, obj, raw

pytestmark = needs_shared_data

YES = "21742633143463906290569050155826241533067272736897614950488156847949938836455"
FIXTURE_TOKEN = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
KEY_3E2C = "3e2c94ca-8124-c4c1-c7ea-be1ea21b71fe"
KEY_A93A = "a93a3d32-74fa-dd2b-4b67-98bfa6fc5cb5"
ORDER_3AD0 = "0x3ad09f225ebe141dfbdb3824f31cb457e8e0301ca4e0a06311e543f5328b9dea"
TRADE_83B5 = "83b5c849-620e-4c23-b63b-2e779c04a6e7"


def fills_of(path, **feed_args) -> list[Fill]:
    feed = UserFeed(**feed_args)
    out = feed.on_frame(raw(path), RECV_MS)
    assert all(isinstance(event, Fill) for event in out)
    return out


def test_our_maker_fill_in_user_trade3_is_our_buy_of_yes_at_0_513_not_the_takers_buy_of_no():
    (fill,) = fills_of(CAPTURES_WS / "user_trade3.json", api_keys=[KEY_A93A])

    assert fill.order_id == ORDER_3AD0
    assert fill.role == "MAKER"
    assert (fill.side, fill.price_micro, fill.size_micro) == ("BUY", 513_000, 5_000_000)
    assert (fill.asset_id, fill.outcome) == (YES, "Yes")
    assert (fill.trade_id, fill.status) == (TRADE_83B5, "CONFIRMED")
    assert fill.fill_id == f"{TRADE_83B5}:{ORDER_3AD0}:CONFIRMED"
    assert fill.match_time_ms == 1762776367000
    assert fill.venue_ts_ms == 1762776436000  # this capture's ``timestamp`` is in seconds
    assert fill.transaction_hash == "0x16527181ac3c2dfb8ab81457aadc40cd9671a2b5f54f511a35b3d60736fb32e3"


def test_user_trade3_is_attributed_by_our_order_id_alone_as_well():
    (fill,) = fills_of(CAPTURES_WS / "user_trade3.json", api_keys=[], our_order_ids=[ORDER_3AD0])

    assert (fill.order_id, fill.price_micro, fill.size_micro) == (ORDER_3AD0, 513_000, 5_000_000)


def test_user_trade3_holds_no_fill_for_an_account_that_is_not_in_it():
    assert fills_of(CAPTURES_WS / "user_trade3.json", api_keys=[KEY_3E2C]) == []


def test_user_trade4_gives_our_two_maker_fills_and_not_the_third_makers():
    fills = fills_of(CAPTURES_WS / "user_trade4.json", api_keys=[KEY_A93A])

    assert [(f.order_id[:10], f.side, f.price_micro, f.size_micro) for f in fills] == [
        ("0x3ad09f22", "BUY", 400_000, 5_000_000),
        ("0x67b598ca", "BUY", 300_000, 5_000_000),
    ]


def test_user_trade1_maker_fill_side_is_derived_as_sell_when_the_venue_omits_it():
    # Taker BUY Yes at 0.518; our maker order rests on the same token, so it sold.
    (fill,) = fills_of(CAPTURES_WS / "user_trade1.json", api_keys=[KEY_3E2C])

    assert fill.order_id == "0xab679e56242324e15e59cfd488cd0f12e4fd71b153b9bfb57518898b9983145e"
    assert (fill.side, fill.price_micro, fill.size_micro, fill.status) == (
        "SELL",
        518_000,
        5_000_000,
        "MINED",
    )


def test_user_trade1_reports_six_maker_orders_with_the_no_maker_buying():
    trade = parse_trade(obj(CAPTURES_WS / "user_trade1.json"), RECV_MS)

    assert len(trade.maker_orders) == 6
    no_maker = trade.maker_orders[0]
    assert (no_maker.outcome, no_maker.side, no_maker.side_derived) == ("No", "BUY", True)
    assert (no_maker.price_micro, no_maker.matched_size_micro) == (482_000, 10_000_000)
    assert sum(m.matched_size_micro for m in trade.maker_orders) == 1_096_870_000 == trade.size_micro


def test_user_trade2_is_our_taker_buy_of_5_yes_at_0_52():
    (fill,) = fills_of(CAPTURES_WS / "user_trade2.json", api_keys=[KEY_3E2C])

    assert fill.role == "TAKER"
    assert fill.order_id == "0x5b605a0e8e40f3402d3cb3bc19edad6733ed23fbc079d2a09ee399c3487ace81"
    assert (fill.side, fill.price_micro, fill.size_micro, fill.status) == (
        "BUY",
        520_000,
        5_000_000,
        "MATCHED",
    )
    assert fill.venue_ts_ms == 1725958682125


def test_the_rest_shaped_trade_is_our_confirmed_taker_buy_at_0_489():
    trade = parse_trade(obj(CAPTURES_WS / "trades.json"), RECV_MS)  # no event_type: a REST row

    (fill,) = UserFeed(api_keys=[KEY_3E2C]).fills(trade)

    assert fill.order_id == "0x4505aada9831d06078a005c8ec96396a78c8f06035bf763b40fc16d27a250043"
    assert (fill.role, fill.side, fill.price_micro, fill.size_micro) == ("TAKER", "BUY", 489_000, 5_000_000)
    assert (fill.status, fill.venue_ts_ms) == ("CONFIRMED", None)


def test_a_second_report_of_the_same_trade_and_status_yields_no_fill():
    feed = UserFeed(api_keys=[KEY_A93A])

    first = feed.on_frame(raw(CAPTURES_WS / "user_trade3.json"), RECV_MS)
    again = feed.on_frame(raw(CAPTURES_WS / "user_trade4.json"), RECV_MS)  # same id, CONFIRMED too

    assert len(first) == 1
    assert again == []
    assert feed.counts["duplicate_trade_status"] == 1


@pytest.mark.parametrize("name", ["ws_user_trade.json", "ws_user_trade_msg.json"])
def test_fixture_trades_with_iso_match_times_are_our_taker_buys(name):
    trade = parse_trade(obj(FIXTURES / name), RECV_MS)
    (fill,) = UserFeed(api_keys=["00000000-0000-0000-0000-000000000001"]).fills(trade)

    assert trade.match_time_ms == 1704067200000
    assert trade.last_update_ms == 1704067260000
    assert (fill.role, fill.side, fill.price_micro, fill.size_micro) == ("TAKER", "BUY", 500_000, 25_000_000)


def test_the_fixture_trades_maker_entry_is_not_ours_and_its_side_is_derived():
    trade = parse_trade(obj(FIXTURES / "ws_user_trade.json"), RECV_MS)

    (maker,) = trade.maker_orders
    assert (maker.owner, maker.side, maker.side_derived) == (
        "00000000-0000-0000-0000-000000000002",
        "SELL",
        True,
    )
    assert (maker.price_micro, maker.matched_size_micro) == (500_000, 25_000_000)


def test_the_real_order_placement_is_a_live_buy_of_5_at_0_513():
    (event,) = UserWsParser().parse(raw(CAPTURES_WS / "order_placement.json"), RECV_MS)

    assert isinstance(event, OrderEvent)
    assert event.order_id == "0x0f76f4dc6eaf3332f4100f2e8a0b4a927351dd64646b7bb12f37df775c657a78"
    assert (event.kind, event.status, event.status_reason) == ("PLACEMENT", "LIVE", "")
    assert (event.side, event.price_micro) == ("BUY", 513_000)
    assert (event.original_size_micro, event.size_matched_micro) == (5_000_000, 0)
    assert (event.owner, event.asset_id, event.outcome) == (KEY_3E2C, YES, "Yes")
    assert (event.created_ms, event.expiration_ms) == (1725842520000, None)
    assert event.associate_trades == ()
    assert (event.venue_ts_ms, event.recv_ts_ms) == (1725842520990, RECV_MS)


def test_the_real_order_cancel_is_a_cancelled_sell_with_5_matched():
    (event,) = UserWsParser().parse(raw(CAPTURES_WS / "order_cancel.json"), RECV_MS)

    assert event.order_id == "0xc6e99c14f1c7cae9e0538eb2d45a4d8b93ffd743e850edd1502a8c85700be5d3"
    assert (event.kind, event.status, event.side) == ("CANCELLATION", "CANCELED", "SELL")
    assert event.size_matched_micro == 5_000_000
    assert event.created_ms == 1725841741000


def test_a_killed_fok_order_is_cancelled_with_its_reason_and_empty_fields_read_as_absent():
    event = parse_order(obj(FIXTURES / "ws_user_order_fok_killed.json"), RECV_MS)

    assert (event.kind, event.status, event.order_type) == ("CANCELLATION", "CANCELED", "FOK")
    assert event.status_reason == "order couldn't be fully filled. FOK orders are fully filled or killed."
    assert event.raw_status.startswith("CANCELED_order")
    assert (event.size_matched_micro, event.created_ms, event.outcome) == (0, None, "")
    assert (event.original_size_micro, event.price_micro) == (12_000_000, 600_000)


def test_a_venue_cancel_reports_the_invalid_status():
    event = parse_order(obj(FIXTURES / "ws_user_order_venue_cancel.json"), RECV_MS)

    assert (event.kind, event.status, event.status_reason) == ("CANCELLATION", "INVALID", "")
    assert event.created_ms == 1774377384000  # this fixture's created_at is already in ms
    assert (event.price_micro, event.original_size_micro) == (530_000, 20_000_000)


@pytest.mark.parametrize(
    ("name", "kind", "status", "matched_micro", "trades"),
    [
        ("ws_user_order_placement.json", "PLACEMENT", "LIVE", 0, ()),
        ("ws_user_order_msg.json", "PLACEMENT", "LIVE", 0, ()),
        ("ws_user_order_update.json", "UPDATE", "LIVE", 25_000_000, ("trade-0xabcdef1234",)),
        ("ws_user_order_matched.json", "UPDATE", "MATCHED", 100_000_000, ("trade-0xfill1",)),
        ("ws_user_order_cancellation.json", "CANCELLATION", "CANCELED", 0, ()),
    ],
)
def test_fixture_order_events_give_their_kind_status_and_matched_size(name, kind, status, matched_micro, trades):
    event = parse_order(obj(FIXTURES / name), RECV_MS)

    assert (event.kind, event.status) == (kind, status)
    assert event.size_matched_micro == matched_micro
    assert event.associate_trades == trades
    assert (event.asset_id, event.original_size_micro, event.price_micro) == (
        FIXTURE_TOKEN,
        100_000_000,
        500_000,
    )
    assert (event.created_ms, event.expiration_ms) == (1703875200000, None)


def test_order_events_teach_the_feed_our_order_ids_for_later_maker_attribution():
    feed = UserFeed(api_keys=[KEY_3E2C])

    (order,) = feed.on_frame(raw(CAPTURES_WS / "order_placement.json"), RECV_MS)

    assert isinstance(order, OrderEvent)
    assert feed.is_ours(order.order_id)


def test_every_user_capture_goes_through_the_frame_parser_as_the_right_event_type():
    parser = UserWsParser()
    names = ["user_trade1.json", "user_trade2.json", "user_trade3.json", "user_trade4.json"]

    events = [e for name in names for e in parser.parse(raw(CAPTURES_WS / name), RECV_MS)]

    assert all(isinstance(e, UserTrade) for e in events)
    assert [e.status for e in events] == ["MINED", "MATCHED", "CONFIRMED", "CONFIRMED"]
    assert parser.counts["trade"] == 4
