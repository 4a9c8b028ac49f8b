"""Per-market engine state."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.exchange.book import CanonicalBook
from sim.exchange.markets import MarketSpec
from sim.exchange.money import MICRO
from sim.exchange.orders import ASK, BID


@dataclass
class MarketState:
    spec: MarketSpec
    tick_micro: int
    book: CanonicalBook = field(default_factory=CanonicalBook)
    accepting: bool = True
    winner_index: int | None = None
    last_trade_micro: dict[str, int] = field(default_factory=dict)

    def token_levels(self, token_id: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """(bids, asks) of one token, best first; the Down book mirrors the canonical Up book."""
        bids, asks = self.book.levels(BID), self.book.levels(ASK)
        if token_id == self.spec.token_ids[0]:
            return bids, asks
        return [(MICRO - p, s) for p, s in asks], [(MICRO - p, s) for p, s in bids]

    def top(self, token_id: str) -> tuple[int | None, int | None]:
        best_bid, best_ask = self.book.best(BID), self.book.best(ASK)
        if token_id == self.spec.token_ids[0]:
            return best_bid, best_ask
        return (
            MICRO - best_ask if best_ask is not None else None,
            MICRO - best_bid if best_bid is not None else None,
        )
