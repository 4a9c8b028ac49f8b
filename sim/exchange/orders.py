"""Mutable engine records of orders and trades (internal; the wire shapes are built in events.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

BUY = "BUY"
SELL = "SELL"
#: Side of the canonical (Up-terms) book an order rests on.
BID = "bid"
ASK = "ask"

LIVE = "LIVE"
MATCHED = "MATCHED"
CANCELED = "CANCELED"
CANCELED_MARKET_RESOLVED = "CANCELED_MARKET_RESOLVED"
UNMATCHED = "UNMATCHED"

ORDER_TYPES = ("GTC", "GTD", "FOK", "FAK")
RESTING_TYPES = ("GTC", "GTD")


@dataclass(eq=False)
class Order:
    order_id: str
    account_id: str
    owner: str
    maker_address: str
    market: str
    token_id: str
    outcome_index: int
    side: str
    price_micro: int
    original_size_micro: int
    order_type: str
    post_only: bool
    expiration_s: int
    created_ms: int
    seq: int
    budget_micro: int | None = None
    size_matched_micro: int = 0
    status: str = LIVE
    reserved_cash_micro: int = 0
    reserved_shares_micro: int = 0
    associate_trades: list[str] = field(default_factory=list)
    expires_at_ms: int | None = None
    #: When the order stopped resting (matched in full, cancelled, expired); None while it rests.
    ended_ms: int | None = None

    @property
    def canonical_side(self) -> str:
        """BUY Up and SELL Down rest as bids in Up terms; SELL Up and BUY Down as asks."""
        return BID if (self.side == BUY) == (self.outcome_index == 0) else ASK

    @property
    def canonical_price_micro(self) -> int:
        return self.price_micro if self.outcome_index == 0 else 1_000_000 - self.price_micro

    @property
    def remaining_micro(self) -> int:
        return self.original_size_micro - self.size_matched_micro


@dataclass(frozen=True)
class MakerFill:
    order_id: str
    owner: str
    account_id: str
    maker_address: str
    asset_id: str
    outcome_index: int
    side: str
    price_micro: int
    matched_micro: int


@dataclass(frozen=True)
class LedgerEntry:
    """One balance change of a trade, kept so that a FAILED trade can be reversed exactly."""

    account_id: str
    cash_delta_micro: int
    token_id: str
    shares_delta_micro: int


@dataclass(eq=False)
class Trade:
    trade_id: str
    market: str
    taker_order_id: str
    taker_owner: str
    taker_account_id: str
    taker_address: str
    asset_id: str
    outcome_index: int
    side: str
    price_micro: int
    size_micro: int
    fee_micro: int
    match_ms: int
    transaction_hash: str
    makers: list[MakerFill]
    ledger: list[LedgerEntry]
    mined_at_ms: int
    confirmed_at_ms: int
    will_fail: bool
    status: str = "MATCHED"
    last_update_ms: int = 0
