"""Invariants of the engine under arbitrary order flow."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.exchange.orders import ASK, BID

from .helpers import CID, DOWN, UP, make_exchange

ACCOUNTS = ("alice", "bob", "carol")
orders = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS),
        st.sampled_from((UP, DOWN)),
        st.sampled_from(("BUY", "SELL")),
        st.integers(min_value=1, max_value=99).map(lambda c: c * 10_000),
        st.integers(min_value=5, max_value=400).map(lambda s: s * 100_000),
        st.sampled_from(("GTC", "GTC", "FOK", "FAK")),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(orders, st.lists(st.integers(min_value=0, max_value=59), max_size=10))
def test_money_is_conserved_and_the_book_never_stays_crossed(flow: list, cancels: list) -> None:
    ex, _, _ = make_exchange()
    cash0 = sum(ex.accounts.get(a).cash_micro for a in ACCOUNTS)
    placed: list[tuple[str, str]] = []

    for i, (account, token, side, price, size, order_type) in enumerate(flow):
        result = ex.submit_internal(account, token, side, price, size, order_type)
        if result.get("orderID"):
            placed.append((account, str(result["orderID"])))
        if i in cancels and placed:
            ex.cancel_internal(*placed[len(placed) // 2])

        book = ex.market(CID).book
        best_bid, best_ask = book.best(BID), book.best(ASK)
        assert best_bid is None or best_ask is None or best_bid < best_ask
        accounts = [ex.accounts.get(a) for a in ACCOUNTS]
        up = sum(a.positions_micro[UP] for a in accounts)
        down = sum(a.positions_micro[DOWN] for a in accounts)
        assert up == down  # every share came from a full set
        minted = up - 300_000_000
        fees = ex.accounts.taker_fees_micro[CID]
        assert sum(a.cash_micro for a in accounts) + fees + minted == cash0
        for a in accounts:
            assert 0 <= a.reserved_cash_micro <= a.cash_micro
            for token_id in (UP, DOWN):
                assert 0 <= a.reserved_shares_micro[token_id] <= a.positions_micro[token_id]
        resting = {o.order_id for o in book.orders()}
        assert resting == {o.order_id for a in ACCOUNTS for o in ex.open_orders(a)}
