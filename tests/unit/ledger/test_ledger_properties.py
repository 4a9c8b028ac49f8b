"""Properties: value is conserved at cost, and delivery order and duplicates do not change the books."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from common.schemas.user import Fill
from workers.ledger.core import Ledger

from .builders import DOWN, MARKET, UP, fill, record

CASH = 10_000_000_000
FILLS = st.lists(st.tuples(
    st.sampled_from([UP, DOWN]), st.sampled_from(["BUY", "BUY", "SELL"]), st.integers(1, 99),
    st.integers(1, 400), st.sampled_from(["MAKER", "TAKER"]),
    st.sampled_from([("MATCHED", "MINED", "CONFIRMED"), ("MATCHED", "FAILED"), ("MATCHED", "RETRYING", "MINED"),
                     ("MATCHED", "MINED", "CONFIRMED", "FAILED")]),
), min_size=1, max_size=25)  # fmt: skip


def events(spec: list[tuple]) -> list[Fill]:  # type: ignore[type-arg]
    out = []
    for i, (token, side, cents, lots, role, statuses) in enumerate(spec):
        for status in statuses:
            out.append(fill(f"t{i}", token, side, cents * 10_000, lots * 100_000, status, role))
    return out


def check_conservation(book: Ledger) -> None:
    account = book.account(0)
    assert account.equity_at_cost_micro == CASH + account.realized_pnl_micro - account.taker_fees_paid_micro


@settings(max_examples=200, deadline=None)
@given(FILLS, st.lists(st.integers(0, 2), max_size=25), st.booleans(), st.sampled_from([UP, DOWN]))
def test_cash_plus_positions_at_cost_change_only_by_realized_pnl_and_fees(spec, merges, resolve, winner) -> None:  # type: ignore[no-untyped-def]
    book = Ledger(CASH)
    book.on_market(record())
    evs = events(spec)
    for i, ev in enumerate(evs):
        book.on_fill(ev)
        check_conservation(book)
        if i < len(merges):
            pos = book.position(MARKET, 0)
            amount = pos.mergeable_full_sets_micro // 2 if merges[i] == 1 else pos.mergeable_full_sets_micro
            if merges[i] and amount > 0:
                book.on_merge(MARKET, amount, f"m{i}")
            check_conservation(book)
    if resolve:
        book.on_resolution(MARKET, winner)
        check_conservation(book)
        held = book.position(MARKET, 0).outcomes
        payout = sum(max(0, o.shares_micro) for o in held if o.token_id == winner)
        book.on_redeem(MARKET, payout, "r")
        check_conservation(book)
        assert all(o.cost_micro == 0 for o in book.position(MARKET, 0).outcomes)


@settings(max_examples=200, deadline=None)
@given(FILLS, st.randoms(use_true_random=False))
def test_redelivered_and_reordered_statuses_of_each_trade_give_the_same_books(spec, rng) -> None:  # type: ignore[no-untyped-def]
    in_order = Ledger(CASH)
    shuffled = Ledger(CASH)
    in_order.on_market(record())
    shuffled.on_market(record())
    evs = events(spec)
    redelivered = evs + rng.sample(evs, len(evs) // 2)
    # statuses of different trades interleave freely; a trade's own statuses keep their order
    by_trade: dict[str, list[Fill]] = {}
    for ev in redelivered:
        by_trade.setdefault(ev.trade_id, []).append(ev)
    mixed = []
    while by_trade:
        trade = rng.choice(sorted(by_trade))
        mixed.append(by_trade[trade].pop(0))
        if not by_trade[trade]:
            del by_trade[trade]

    for ev in evs:
        in_order.on_fill(ev)
    for ev in mixed:
        shuffled.on_fill(ev)

    a, b = in_order.position(MARKET, 0), shuffled.position(MARKET, 0)
    assert [(o.shares_micro, o.confirmed_shares_micro) for o in a.outcomes] == [
        (o.shares_micro, o.confirmed_shares_micro) for o in b.outcomes]  # fmt: skip
    assert in_order.cash_micro() == shuffled.cash_micro()
