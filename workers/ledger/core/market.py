"""The books of one market: a fold over its fills, merges and resolution, in arrival order.

The state is recomputed from the operations whenever a fill fails (the venue reverses a FAILED
trade as if it never happened, and average cost must then be as if it never happened too); every
other operation is applied to the running state. All integers: a buy's cost is exactly what the
cash loses, a sale or merge removes cost in proportion (the last share takes the remainder), and
what cost leaves the books goes to realized PnL, so cash + positions at cost changes only by
realized PnL and fees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from common.money import MICRO_PER_UNIT as MICRO


def notional_micro(size_micro: int, price_micro: int) -> int:
    """pUSD for ``size`` shares at ``price``, rounded down as the venue (and the emulator) settle it.

    Exact for the venue's fills: their sizes are lot-aligned so that the notional is whole micro-units.
    """
    return size_micro * price_micro // MICRO


@dataclass(slots=True)
class FillOp:
    token_id: str
    side: Literal["BUY", "SELL"]
    price_micro: int
    size_micro: int
    fee_micro: int
    maker_fee_equivalent_micro: int
    rebate_estimate_micro: int
    status: str


@dataclass(slots=True)
class Holding:
    shares_micro: int = 0
    cost_micro: int = 0

    def remove(self, shares: int) -> int:
        """Take ``shares`` out at average cost; returns the cost removed."""
        if shares <= 0:
            return 0
        if self.shares_micro <= 0:
            removed = 0
        elif shares >= self.shares_micro:
            removed = self.cost_micro
        else:
            removed = self.cost_micro * shares // self.shares_micro
        self.shares_micro -= shares
        self.cost_micro -= removed
        return removed


@dataclass(slots=True)
class State:
    """Everything folded: holdings, cash effect, PnL, fees (this market's share of the account)."""

    holdings: dict[str, Holding] = field(default_factory=dict)
    cash_delta_micro: int = 0
    realized_pnl_micro: int = 0
    fees_micro: int = 0
    fee_equivalent_micro: int = 0
    rebate_micro: int = 0
    volume_micro: int = 0
    shares_traded_micro: int = 0
    fills: int = 0

    def holding(self, token_id: str) -> Holding:
        return self.holdings.setdefault(token_id, Holding())

    def apply_fill(self, op: FillOp) -> None:
        notional = notional_micro(op.size_micro, op.price_micro)
        holding = self.holding(op.token_id)
        if op.side == "BUY":
            holding.shares_micro += op.size_micro
            holding.cost_micro += notional
            self.cash_delta_micro -= notional
        else:
            removed = holding.remove(op.size_micro)
            self.cash_delta_micro += notional
            self.realized_pnl_micro += notional - removed
        self.cash_delta_micro -= op.fee_micro
        self.fees_micro += op.fee_micro
        self.fee_equivalent_micro += op.maker_fee_equivalent_micro
        self.rebate_micro += op.rebate_estimate_micro
        self.volume_micro += notional
        self.shares_traded_micro += op.size_micro
        self.fills += 1

    def apply_merge(self, token_ids: tuple[str, ...], amount_micro: int) -> None:
        """``amount`` full sets burnt for ``amount`` pUSD."""
        removed = sum(self.holding(t).remove(amount_micro) for t in token_ids)
        self.cash_delta_micro += amount_micro
        self.realized_pnl_micro += amount_micro - removed

    def apply_resolution(self, token_ids: tuple[str, ...], winner: str) -> None:
        """Winning shares are worth 1 each, losing ones nothing: the difference to cost is realized."""
        for token_id in token_ids:
            holding = self.holding(token_id)
            value = max(0, holding.shares_micro) if token_id == winner else 0
            self.realized_pnl_micro += value - holding.cost_micro
            holding.cost_micro = value

    def apply_redemption(self, token_ids: tuple[str, ...], payout_micro: int) -> None:
        """Every share of the market is burnt for ``payout`` pUSD."""
        removed = 0
        for token_id in token_ids:
            holding = self.holding(token_id)
            removed += holding.cost_micro
            self.holdings[token_id] = Holding()
        self.cash_delta_micro += payout_micro
        self.realized_pnl_micro += payout_micro - removed
