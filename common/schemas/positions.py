"""What the ledger publishes on ``positions``: per market, the account, and a per-window summary.

Shares are micro-shares and money micro-pUSD, integers. ``*_shares_micro`` by settlement state are
net (bought minus sold) over fills whose latest status is that state; FAILED fills count nowhere.
Cost is average cost; realized PnL is booked on sale, merge and resolution.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from common.schemas.base import Message


class OutcomePosition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    token_id: str
    outcome: str
    matched_shares_micro: int
    mined_shares_micro: int
    confirmed_shares_micro: int
    #: Every non-failed share held (the three states together).
    shares_micro: int
    cost_micro: int
    #: Average cost per share (micro-pUSD per share), 0 when flat.
    avg_cost_micro: int
    mark_micro: int | None
    unrealized_pnl_micro: int


class MarketPosition(Message):
    TYPE = "positions.market"
    VERSION = 1

    market: str
    slug: str = ""
    outcomes: tuple[OutcomePosition, ...]
    #: Full sets that can be merged now: min of confirmed Up and confirmed Down.
    mergeable_full_sets_micro: int
    realized_pnl_micro: int
    unrealized_pnl_micro: int
    taker_fees_paid_micro: int
    #: Σ fee-curve weight of our maker fills (what takers would have paid on them).
    maker_fee_equivalent_micro: int
    #: rebate rate × fee equivalent: the rebate if ours were the market's only maker volume.
    rebate_estimate_micro: int
    resolved_winner: str | None = None
    at_ms: int


class AccountPosition(Message):
    TYPE = "positions.account"
    VERSION = 1

    cash_micro: int
    #: Cash plus every position at cost: moves only with realized PnL and fees.
    equity_at_cost_micro: int
    realized_pnl_micro: int
    unrealized_pnl_micro: int
    taker_fees_paid_micro: int
    rebate_estimate_micro: int
    at_ms: int


class WindowSummary(Message):
    """One window, once it resolved: activity, money and what was held at the end."""

    TYPE = "positions.window_summary"
    VERSION = 1

    market: str
    slug: str = ""
    winner: str | None
    quotes_posted: int
    quotes_replaced: int
    quotes_cancelled: int
    orders_rejected: int
    fills: int
    volume_micro: int
    shares_micro: int
    taker_fees_paid_micro: int
    rebate_estimate_micro: int
    realized_pnl_micro: int
    #: outcome name → shares held when the window resolved.
    inventory_at_resolution_micro: dict[str, int]
    at_ms: int
