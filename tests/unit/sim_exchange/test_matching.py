"""Matching on the unified Up/Down book."""

from __future__ import annotations

import pytest

from sim.exchange.trading import OrderRejected

from .helpers import CID, DOWN, UP, make_exchange, payloads


def test_a_buy_up_meets_a_resting_buy_down_at_the_complement_and_mints_a_full_set() -> None:
    ex, _, events = make_exchange()
    ex.submit_internal("alice", DOWN, "BUY", 450_000, 10_000_000)

    result = ex.submit_internal("bob", UP, "BUY", 560_000, 10_000_000)

    assert result["status"] == "matched"
    alice, bob = ex.accounts.get("alice"), ex.accounts.get("bob")
    assert alice.positions_micro[DOWN] == 110_000_000
    assert bob.positions_micro[UP] == 110_000_000
    assert alice.cash_micro == 1_000_000_000 - 4_500_000  # the maker pays its own price
    fee = ex.trades()[0].fee_micro
    assert bob.cash_micro == 1_000_000_000 - 5_500_000 - fee  # the taker gets the improvement: 1 − 0.45
    trade = payloads(events, "trade", "bob")[0]
    assert trade["maker_orders"][0]["asset_id"] == DOWN and trade["maker_orders"][0]["price"] == "0.45"


def test_a_sell_up_meets_a_resting_sell_down_and_merges() -> None:
    ex, _, _ = make_exchange()
    ex.submit_internal("alice", DOWN, "SELL", 400_000, 10_000_000)

    ex.submit_internal("bob", UP, "SELL", 550_000, 10_000_000)

    alice, bob = ex.accounts.get("alice"), ex.accounts.get("bob")
    assert alice.positions_micro[DOWN] == 90_000_000 and alice.cash_micro == 1_004_000_000
    assert bob.positions_micro[UP] == 90_000_000
    assert bob.cash_micro == 1_000_000_000 + 6_000_000 - ex.trades()[0].fee_micro


def test_price_time_priority_fills_the_better_price_first_then_the_earlier_order() -> None:
    ex, _, _ = make_exchange()
    first = ex.submit_internal("alice", UP, "SELL", 520_000, 5_000_000)["orderID"]
    second = ex.submit_internal("carol", UP, "SELL", 520_000, 5_000_000)["orderID"]
    better = ex.submit_internal("carol", DOWN, "BUY", 490_000, 5_000_000)["orderID"]  # an Up ask at 0.51

    ex.submit_internal("bob", UP, "BUY", 520_000, 8_000_000)

    fills = [(f.order_id, f.matched_micro) for f in ex.trades()[0].makers]
    assert fills == [(better, 5_000_000), (first, 3_000_000)]
    assert ex.order(second).size_matched_micro == 0


def test_a_partial_fill_rests_the_remainder_and_reserves_only_it() -> None:
    ex, _, events = make_exchange()
    ex.submit_internal("alice", UP, "SELL", 500_000, 5_000_000)

    result = ex.submit_internal("bob", UP, "BUY", 500_000, 12_000_000)

    order = ex.order(result["orderID"])
    assert order.size_matched_micro == 5_000_000 and order.status == "LIVE"
    assert ex.book(UP)[0] == [(500_000, 7_000_000)]
    assert ex.accounts.get("bob").reserved_cash_micro == 3_500_000
    placement = payloads(events, "order", "bob")[-1]
    assert placement["type"] == "PLACEMENT" and placement["size_matched"] == "5"


def test_the_down_book_is_the_mirror_of_the_up_book() -> None:
    ex, _, _ = make_exchange()
    ex.submit_internal("alice", UP, "BUY", 480_000, 6_000_000)
    ex.submit_internal("alice", DOWN, "BUY", 500_000, 7_000_000)

    assert ex.book(UP) == ([(480_000, 6_000_000)], [(500_000, 7_000_000)])
    assert ex.book(DOWN) == ([(500_000, 7_000_000)], [(520_000, 6_000_000)])


def test_fok_that_cannot_fill_entirely_is_killed_and_leaves_the_book_untouched() -> None:
    ex, _, events = make_exchange()
    ex.submit_internal("alice", UP, "SELL", 500_000, 5_000_000)

    with pytest.raises(OrderRejected, match="FOK orders are fully filled or killed"):
        ex.submit(_req("bob", UP, "BUY", 500_000, 6_000_000, "FOK"))

    assert ex.book(UP)[1] == [(500_000, 5_000_000)]
    assert ex.accounts.get("bob").cash_micro == 1_000_000_000
    killed = payloads(events, "order", "bob")[-1]
    assert killed["status"].startswith("CANCELED_order couldn't be fully filled")


def test_fok_that_can_fill_fills_entirely() -> None:
    ex, _, _ = make_exchange()
    ex.submit_internal("alice", UP, "SELL", 500_000, 5_000_000)
    ex.submit_internal("carol", UP, "SELL", 510_000, 5_000_000)

    result = ex.submit(_req("bob", UP, "BUY", 510_000, 8_000_000, "FOK"))

    assert result["takingAmount"] == "8"
    assert ex.book(UP)[1] == [(510_000, 2_000_000)]


def test_fak_fills_what_it_can_and_kills_the_rest() -> None:
    ex, _, _ = make_exchange()
    ex.submit_internal("alice", UP, "SELL", 500_000, 5_000_000)

    result = ex.submit(_req("bob", UP, "BUY", 500_000, 9_000_000, "FAK"))

    assert result["takingAmount"] == "5"
    assert ex.book(UP) == ([], [])
    assert ex.open_orders("bob") == []


def test_fak_with_nothing_to_match_is_rejected() -> None:
    ex, _, _ = make_exchange()

    with pytest.raises(OrderRejected, match="no orders found to match with FAK order"):
        ex.submit(_req("bob", UP, "BUY", 500_000, 9_000_000, "FAK"))


def test_a_market_buy_spends_its_budget_at_the_makers_prices() -> None:
    ex, _, _ = make_exchange()
    ex.submit_internal("alice", UP, "SELL", 400_000, 10_000_000)
    ex.submit_internal("alice", UP, "SELL", 500_000, 10_000_000)

    result = ex.submit(_req("bob", UP, "BUY", 500_000, 0, "FOK", budget_micro=6_000_000))

    assert result["makingAmount"] == "6" and result["takingAmount"] == "14"


def test_post_only_crossing_through_the_complement_book_is_rejected() -> None:
    ex, _, _ = make_exchange()
    ex.submit_internal("alice", DOWN, "BUY", 500_000, 5_000_000)  # an Up ask at 0.50

    with pytest.raises(OrderRejected, match="invalid post-only order: order crosses book"):
        ex.submit(_req("bob", UP, "BUY", 500_000, 5_000_000, "GTC", post_only=True))

    ex.submit(_req("bob", UP, "BUY", 490_000, 5_000_000, "GTC", post_only=True))
    assert ex.book(UP)[0] == [(490_000, 5_000_000)]


def test_off_tick_and_out_of_range_prices_are_rejected() -> None:
    ex, _, _ = make_exchange()
    for price in (505_000, 0, 1_000_000):
        with pytest.raises(OrderRejected, match=r"breaks minimum tick size rule: 0\.01"):
            ex.submit(_req("bob", UP, "BUY", price, 5_000_000))


def test_a_size_under_the_minimum_is_rejected() -> None:
    ex, _, _ = make_exchange()
    with pytest.raises(OrderRejected, match=r"Size \(4.99\) lower than the minimum: 5"):
        ex.submit(_req("bob", UP, "BUY", 500_000, 4_990_000))


def test_a_marketable_buy_under_one_dollar_is_rejected() -> None:
    ex, _, _ = make_exchange()
    ex.submit_internal("alice", UP, "SELL", 100_000, 5_000_000)
    with pytest.raises(
        OrderRejected, match=r"invalid amount for a marketable BUY order \(\$0.5\), min size: \$1"
    ):
        ex.submit(_req("bob", UP, "BUY", 100_000, 5_000_000))


def test_orders_beyond_the_available_balance_are_rejected_counting_open_orders() -> None:
    ex, _, _ = make_exchange()
    ex.ensure_account("dave", None, 10_000_000)
    ex.submit(_req("dave", UP, "BUY", 500_000, 16_000_000))  # reserves 8

    with pytest.raises(OrderRejected, match="not enough balance / allowance"):
        ex.submit(_req("dave", DOWN, "BUY", 400_000, 6_000_000))  # needs 2.4 more
    with pytest.raises(OrderRejected, match="not enough balance / allowance"):
        ex.submit(_req("dave", UP, "SELL", 600_000, 5_000_000))  # holds no Up


def test_cancel_releases_the_reservation_and_reports_unknown_ids() -> None:
    ex, _, events = make_exchange()
    order_id = ex.submit(_req("bob", UP, "BUY", 500_000, 10_000_000))["orderID"]

    result = ex.cancel_orders("bob", [order_id, "0xdead"])

    assert result == {"canceled": [order_id], "not_canceled": {"0xdead": "already canceled or matched"}}
    assert ex.accounts.get("bob").reserved_cash_micro == 0
    assert payloads(events, "order", "bob")[-1]["type"] == "CANCELLATION"


def test_resolution_cancels_resting_orders_and_announces_the_winner() -> None:
    ex, _, events = make_exchange()
    order_id = ex.submit(_req("bob", UP, "BUY", 500_000, 10_000_000))["orderID"]

    ex.resolve(CID, 0)

    assert ex.order(order_id).status == "CANCELED_MARKET_RESOLVED"
    resolved = payloads(events, "market_resolved")[0]
    assert resolved["winning_asset_id"] == UP and resolved["winning_outcome"] == "Up"
    with pytest.raises(OrderRejected, match="not yet ready"):
        ex.submit(_req("bob", UP, "BUY", 500_000, 10_000_000))


def _req(
    account: str,
    token: str,
    side: str,
    price: int,
    size: int,
    order_type: str = "GTC",
    post_only: bool = False,
    budget_micro: int | None = None,
):
    from sim.exchange.trading import OrderRequest

    return OrderRequest(
        account_id=account,
        owner=account,
        maker_address=account,
        token_id=token,
        side=side,
        price_micro=price,
        size_micro=size,
        order_type=order_type,
        post_only=post_only,
        budget_micro=budget_micro,
    )
