"""The public book of one token as the paper venue needs it: size per price on each side."""

from __future__ import annotations

from common.schemas.book import BookDelta, BookSnapshot


class LevelBook:
    def __init__(self) -> None:
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}

    def snapshot(self, snap: BookSnapshot) -> None:
        self.bids = {p: s for p, s in snap.bids if s > 0}
        self.asks = {p: s for p, s in snap.asks if s > 0}

    def delta(self, delta: BookDelta) -> list[tuple[str, int, int, int]]:
        """Apply the changes; returns (side, price, old size, new size) of each."""
        out: list[tuple[str, int, int, int]] = []
        for side, price, size in delta.changes:
            levels = self.bids if side == "BUY" else self.asks
            old = levels.get(price, 0)
            if size > 0:
                levels[price] = size
            else:
                levels.pop(price, None)
            out.append((side, price, old, size))
        return out

    def size_at(self, side: str, price: int) -> int:
        return (self.bids if side == "BUY" else self.asks).get(price, 0)

    def best_bid(self) -> int | None:
        return max(self.bids) if self.bids else None

    def best_ask(self) -> int | None:
        return min(self.asks) if self.asks else None

    def crossing(self, side: str, price: int) -> list[tuple[int, int]]:
        """Opposite levels an order at ``price`` would take, best first: (price, size)."""
        if side == "BUY":
            return sorted((p, s) for p, s in self.asks.items() if p <= price)
        return sorted(((p, s) for p, s in self.bids.items() if p >= price), reverse=True)
