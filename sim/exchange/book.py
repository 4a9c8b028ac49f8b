"""The unified book of one market, kept in Up terms.

A BUY Up at p and a SELL Down at 1−p are the same bid at p; a SELL Up at p and a BUY Down at 1−p
are the same ask at p. One canonical book therefore gives price-time priority across both tokens,
and the Down book shown to clients is its mirror.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterator

from sim.exchange.orders import ASK, BID, Order


class CanonicalBook:
    def __init__(self) -> None:
        self._levels: dict[str, dict[int, deque[Order]]] = {BID: {}, ASK: {}}
        self._totals: dict[str, dict[int, int]] = {BID: {}, ASK: {}}
        # ascending prices per side; bids are walked from the end
        self._prices: dict[str, list[int]] = {BID: [], ASK: []}

    def add(self, order: Order) -> int:
        """Rest an order at the back of its level; returns the level's new total."""
        side, price = order.canonical_side, order.canonical_price_micro
        level = self._levels[side].get(price)
        if level is None:
            level = self._levels[side][price] = deque()
            bisect.insort(self._prices[side], price)
            self._totals[side][price] = 0
        level.append(order)
        self._totals[side][price] += order.remaining_micro
        return self._totals[side][price]

    def reduce(self, order: Order, size_micro: int) -> int:
        """Account for a fill of a resting order; returns the level's new total."""
        side, price = order.canonical_side, order.canonical_price_micro
        self._totals[side][price] -= size_micro
        return self._totals[side][price]

    def remove(self, order: Order) -> int:
        """Take an order off the book (filled or cancelled); returns the level's new total."""
        side, price = order.canonical_side, order.canonical_price_micro
        level = self._levels[side][price]
        level.remove(order)
        self._totals[side][price] -= order.remaining_micro
        total = self._totals[side][price]
        if not level:
            del self._levels[side][price]
            del self._totals[side][price]
            self._prices[side].remove(price)
            return 0
        return total

    def best(self, side: str) -> int | None:
        prices = self._prices[side]
        if not prices:
            return None
        return prices[-1] if side == BID else prices[0]

    def level_total(self, side: str, price_micro: int) -> int:
        return self._totals[side].get(price_micro, 0)

    def levels(self, side: str) -> list[tuple[int, int]]:
        """(price, size) of one side, best first."""
        prices = self._prices[side]
        ordered = reversed(prices) if side == BID else prices
        return [(p, self._totals[side][p]) for p in ordered]

    def head(self, side: str, price_micro: int) -> Order:
        return self._levels[side][price_micro][0]

    def walk(self, maker_side: str) -> Iterator[Order]:
        """Resting orders of one side in price-time priority (read-only: do not mutate while walking)."""
        prices = self._prices[maker_side]
        for price in reversed(prices) if maker_side == BID else prices:
            yield from self._levels[maker_side][price]

    def orders(self) -> Iterator[Order]:
        for side in (BID, ASK):
            for level in self._levels[side].values():
                yield from level
