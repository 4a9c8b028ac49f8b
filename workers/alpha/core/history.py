"""A per-second oracle price history: the latest tick at or before each second, forward-filled."""

from __future__ import annotations

#: Seconds of history kept: two 1-hour windows and the TWAP minutes around them.
DEFAULT_CAPACITY_S = 7_320


class PriceHistory:
    """Per-second prices; a later tick for the same second replaces the earlier one (a correction)."""

    __slots__ = ("_base_s", "_capacity_s", "_prices")

    def __init__(self, capacity_s: int = DEFAULT_CAPACITY_S) -> None:
        self._capacity_s = capacity_s
        self._base_s = 0
        self._prices: list[float] = []

    @property
    def last_s(self) -> int | None:
        return self._base_s + len(self._prices) - 1 if self._prices else None

    @property
    def first_s(self) -> int | None:
        return self._base_s if self._prices else None

    def last_price(self) -> float | None:
        return self._prices[-1] if self._prices else None

    def add(self, second: int, price: float) -> bool:
        """Record a tick; returns False for a tick older than the latest second (ignored)."""
        if not self._prices:
            self._base_s, self._prices = second, [price]
            return True
        last = self._base_s + len(self._prices) - 1
        if second < last:
            return False
        if second == last:
            self._prices[-1] = price
            return True
        fill = self._prices[-1]
        self._prices.extend([fill] * (second - last - 1))
        self._prices.append(price)
        excess = len(self._prices) - self._capacity_s
        if excess > self._capacity_s // 4:
            del self._prices[:excess]
            self._base_s += excess
        return True

    def at(self, second: int) -> float | None:
        """The price in force at ``second`` (None outside the kept range)."""
        index = second - self._base_s
        if not self._prices or index < 0:
            return None
        return self._prices[min(index, len(self._prices) - 1)]

    def sum_between(self, lo_s: int, hi_s: int) -> float | None:
        """Sum of the per-second prices over ``[lo_s, hi_s]`` (None if not fully covered)."""
        last = self.last_s
        if last is None or lo_s < self._base_s or hi_s > last:
            return None
        return sum(self._prices[lo_s - self._base_s : hi_s - self._base_s + 1])
