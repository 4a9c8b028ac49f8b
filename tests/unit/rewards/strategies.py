"""Hypothesis strategies: books and our orders on a 1¢ grid around the BTC 15m reward config."""

from __future__ import annotations

from hypothesis import strategies as st

from workers.rewards.core import LiveOrder, UnifiedBook

TICK_MICRO = 10_000
_sizes = st.sampled_from([1, 10, 49, 50, 51, 80, 200]).map(lambda s: s * 1_000_000)


@st.composite
def books(draw: st.DrawFn) -> UnifiedBook:
    """A book that is not crossed: every bid below every ask, prices on the 1¢ grid in [1¢, 99¢]."""
    split = draw(st.integers(2, 98))
    bid_prices = draw(st.lists(st.integers(1, split - 1), max_size=5, unique=True))
    ask_prices = draw(st.lists(st.integers(split, 99), max_size=5, unique=True))
    return UnifiedBook(
        bids=tuple((p * TICK_MICRO, draw(_sizes)) for p in bid_prices),
        asks=tuple((p * TICK_MICRO, draw(_sizes)) for p in ask_prices),
    )


@st.composite
def our_buys(draw: st.DrawFn, book: UnifiedBook) -> list[LiveOrder]:
    """Our BUYs that rest without crossing: Up below the best ask, Down (an Up-frame ask) above the best bid."""
    best_ask = min((p for p, _ in book.asks), default=1_000_000) // TICK_MICRO
    best_bid = max((p for p, _ in book.bids), default=0) // TICK_MICRO
    orders = []
    for i in range(draw(st.integers(0, 3))):
        outcome = draw(st.sampled_from(["UP", "DOWN"]))
        if outcome == "UP" and best_ask > 1:
            price = draw(st.integers(1, best_ask - 1))
        elif outcome == "DOWN" and best_bid < 98:
            price = 100 - draw(st.integers(best_bid + 1, 99))
        else:
            continue
        orders.append(LiveOrder(f"o{i}", outcome, "BUY", price * TICK_MICRO, draw(_sizes)))
    return orders


def with_ours(book: UnifiedBook, ours: list[LiveOrder]) -> UnifiedBook:
    bids, asks = list(book.bids), list(book.asks)
    for o in ours:
        side, price = o.up_frame
        (bids if side == "BUY" else asks).append((price, o.size_micro))
    return UnifiedBook(tuple(bids), tuple(asks))
