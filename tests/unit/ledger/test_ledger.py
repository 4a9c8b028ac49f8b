"""The ledger: settlement states, average cost, realized and unrealized PnL, fees, merges, resolution."""

from __future__ import annotations

from common.schemas.exec import ExecReport
from workers.ledger.core import Ledger, window_summary

from .builders import DOWN, MARKET, T0, UP, fill, record

CASH = 1_000_000_000


def ledger() -> Ledger:
    book = Ledger(CASH)
    book.on_market(record())
    return book


def test_a_fill_moves_from_matched_to_mined_to_confirmed_and_each_status_applies_once() -> None:
    book = ledger()
    book.on_fill(fill("t1"))
    matched = book.position(MARKET, T0).outcomes[0]
    book.on_fill(fill("t1", status="MINED"))
    duplicate = book.on_fill(fill("t1", status="MINED"))
    book.on_fill(fill("t1", status="CONFIRMED"))
    confirmed = book.position(MARKET, T0).outcomes[0]

    assert (matched.matched_shares_micro, matched.confirmed_shares_micro) == (10_000_000, 0)
    assert not duplicate
    assert (confirmed.matched_shares_micro, confirmed.mined_shares_micro, confirmed.confirmed_shares_micro) == (
        0, 0, 10_000_000)  # fmt: skip
    assert book.cash_micro() == CASH - 4_000_000  # once, whatever the number of statuses


def test_average_cost_and_realized_pnl_on_a_sale() -> None:
    book = ledger()
    book.on_fill(fill("t1", price=400_000, size=10_000_000))
    book.on_fill(fill("t2", price=500_000, size=10_000_000))
    book.on_fill(fill("t3", side="SELL", price=600_000, size=5_000_000))

    up = book.position(MARKET, T0).outcomes[0]

    assert up.shares_micro == 15_000_000 and up.cost_micro == 6_750_000 and up.avg_cost_micro == 450_000
    assert book.position(MARKET, T0).realized_pnl_micro == 3_000_000 - 2_250_000


def test_a_failed_trade_is_reversed_as_if_it_never_happened() -> None:
    book = ledger()
    book.on_fill(fill("t1", price=400_000))
    book.on_fill(fill("t2", price=600_000))
    book.on_fill(fill("t1", status="FAILED"))

    up = book.position(MARKET, T0).outcomes[0]

    assert up.shares_micro == 10_000_000 and up.avg_cost_micro == 600_000
    assert book.cash_micro() == CASH - 6_000_000


def test_a_failed_after_confirmed_is_ignored_and_counted() -> None:
    book = ledger()
    book.on_fill(fill("t1", status="CONFIRMED"))

    changed = book.on_fill(fill("t1", status="FAILED"))

    assert not changed and book.ignored_after_final == 1
    assert book.position(MARKET, T0).outcomes[0].confirmed_shares_micro == 10_000_000


def test_a_late_matched_after_mined_does_not_move_the_fill_back() -> None:
    book = ledger()
    book.on_fill(fill("t1", status="MINED"))
    book.on_fill(fill("t1", status="MATCHED"))

    up = book.position(MARKET, T0).outcomes[0]

    assert (up.matched_shares_micro, up.mined_shares_micro) == (0, 10_000_000)


def test_full_sets_to_merge_are_the_confirmed_pairs_and_a_merge_realizes_their_margin() -> None:
    book = ledger()
    book.on_fill(fill("t1", UP, price=450_000, size=10_000_000, status="CONFIRMED"))
    book.on_fill(fill("t2", DOWN, price=500_000, size=8_000_000, status="CONFIRMED"))
    book.on_fill(fill("t3", DOWN, price=500_000, size=5_000_000, status="MATCHED"))
    mergeable = book.position(MARKET, T0).mergeable_full_sets_micro

    book.on_merge(MARKET, 8_000_000, "merge-1")
    again = book.on_merge(MARKET, 8_000_000, "merge-1")
    after = book.position(MARKET, T0)

    assert mergeable == 8_000_000 and not again
    assert after.realized_pnl_micro == 8_000_000 - 3_600_000 - 4_000_000
    assert [o.confirmed_shares_micro for o in after.outcomes] == [2_000_000, 0]
    assert book.cash_micro() == CASH - 4_500_000 - 6_500_000 + 8_000_000


def test_resolution_realizes_winners_at_one_and_losers_at_nothing_and_redemption_pays_cash() -> None:
    book = ledger()
    book.on_fill(fill("t1", UP, price=450_000, size=10_000_000, status="CONFIRMED"))
    book.on_fill(fill("t2", DOWN, price=500_000, size=4_000_000, status="CONFIRMED"))

    book.on_resolution(MARKET, UP)
    resolved = book.position(MARKET, T0)
    book.on_redeem(MARKET, 10_000_000, "redeem-1")

    assert resolved.realized_pnl_micro == (10_000_000 - 4_500_000) - 2_000_000
    assert resolved.resolved_winner == "Up" and resolved.unrealized_pnl_micro == 0
    assert book.cash_micro() == CASH - 4_500_000 - 2_000_000 + 10_000_000
    assert book.account(T0).realized_pnl_micro == resolved.realized_pnl_micro


def test_a_taker_pays_the_fee_curve_and_a_maker_accrues_its_fee_equivalent() -> None:
    book = ledger()
    book.on_fill(fill("t1", price=500_000, size=100_000_000, role="TAKER"))
    book.on_fill(fill("t2", DOWN, price=500_000, size=100_000_000, role="MAKER"))

    position = book.position(MARKET, T0)

    assert position.taker_fees_paid_micro == 1_750_000  # $1.75 per 100 shares at 50c
    assert position.maker_fee_equivalent_micro == 1_750_000
    assert position.rebate_estimate_micro == 350_000
    assert book.cash_micro() == CASH - 50_000_000 - 1_750_000 - 50_000_000


def test_unrealized_pnl_is_marked_to_the_mid() -> None:
    book = ledger()
    book.on_fill(fill("t1", price=400_000, size=10_000_000))

    book.on_mark(UP, 430_000)

    assert book.position(MARKET, T0).unrealized_pnl_micro == 300_000


def test_the_window_summary_counts_quotes_fills_money_and_inventory() -> None:
    book = ledger()
    for kind, replace in (("placed", False), ("placed", True), ("cancelled", False), ("rejected", False)):
        book.on_exec_report(ExecReport(kind=kind, market=MARKET, level=0, order_type="GTC", replace=replace,  # type: ignore[arg-type]
                                       at_ms=T0))  # fmt: skip
    book.on_fill(fill("t1", UP, price=450_000, size=10_000_000, status="CONFIRMED"))
    book.on_resolution(MARKET, DOWN)

    summary = window_summary(book, MARKET, T0)

    assert (summary.quotes_posted, summary.quotes_replaced, summary.quotes_cancelled, summary.orders_rejected) == (
        2, 1, 1, 1)  # fmt: skip
    assert summary.fills == 1 and summary.volume_micro == 4_500_000
    assert summary.realized_pnl_micro == -4_500_000 and summary.winner == "Down"
    assert summary.inventory_at_resolution_micro == {"Up": 10_000_000, "Down": 0}


def test_forgetting_a_redeemed_window_keeps_the_account_whole() -> None:
    book = ledger()
    book.on_fill(fill("t1", UP, price=450_000, size=10_000_000, status="CONFIRMED", role="TAKER"))
    book.on_resolution(MARKET, UP)
    book.on_redeem(MARKET, 10_000_000, "r1")
    before = book.account(T0)

    book.forget_market(MARKET)
    after = book.account(T0)
    again = book.on_fill(fill("t1", UP, price=450_000, size=10_000_000, status="CONFIRMED", role="TAKER"))

    assert (after.cash_micro, after.realized_pnl_micro, after.taker_fees_paid_micro) == (
        before.cash_micro, before.realized_pnl_micro, before.taker_fees_paid_micro)  # fmt: skip
    assert after.equity_at_cost_micro == CASH + after.realized_pnl_micro - after.taker_fees_paid_micro
    assert again  # a forgotten window's fill would count again: forget only what is over
