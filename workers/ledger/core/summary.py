"""Per-window activity counted from the executor's reports, and the summary of a resolved window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from common.schemas.exec import ExecReport
from common.schemas.positions import WindowSummary

if TYPE_CHECKING:
    from workers.ledger.core.ledger import Ledger


@dataclass(slots=True)
class WindowCounters:
    quotes_posted: int = 0
    quotes_replaced: int = 0
    quotes_cancelled: int = 0
    orders_rejected: int = 0

    def count(self, report: ExecReport) -> None:
        quote = report.level >= 0 and report.order_type in ("GTC", "GTD")
        if report.kind == "placed" and quote:
            self.quotes_posted += 1
            self.quotes_replaced += report.replace
        elif report.kind == "cancelled" and quote:
            self.quotes_cancelled += 1
        elif report.kind == "rejected":
            self.orders_rejected += 1


def window_summary(ledger: Ledger, market: str, now_ms: int) -> WindowSummary:
    """The summary of a window; call it when the window resolves (after ``on_resolution``)."""
    books = ledger.books(market)
    s, c = books.state, books.counters
    inventory = {books.outcomes.get(t, t): s.holding(t).shares_micro for t in books.token_ids}
    return WindowSummary(
        market=market, slug=books.slug, winner=books.outcomes.get(books.winner or "", books.winner),
        quotes_posted=c.quotes_posted, quotes_replaced=c.quotes_replaced, quotes_cancelled=c.quotes_cancelled,
        orders_rejected=c.orders_rejected, fills=s.fills, volume_micro=s.volume_micro,
        shares_micro=s.shares_traded_micro, taker_fees_paid_micro=s.fees_micro, rebate_estimate_micro=s.rebate_micro,
        realized_pnl_micro=s.realized_pnl_micro, inventory_at_resolution_micro=inventory, at_ms=now_ms,
    )  # fmt: skip
