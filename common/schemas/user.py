"""Normalized user-channel events: our orders' events, the venue's trade reports, and our fills.

``UserTrade`` is the venue's trade event as parsed (every side of the match); ``Fill`` is our
share of it, attributed by ``feed-user``: from our entry in ``maker_orders`` when we were a maker
(never from the taker's top-level side and price), from the top level when we were the taker.
One ``Fill`` per (trade id, status, order id); a trade is re-sent as its status moves on.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from common.schemas.base import Message

Side = Literal["BUY", "SELL"]
#: ``PLACEMENT``, ``UPDATE`` (a match), ``CANCELLATION``.
OrderEventKind = Literal["PLACEMENT", "UPDATE", "CANCELLATION"]
#: The order status, parsed by prefix: ``CANCELED_<reason>`` gives ``CANCELED`` with the reason.
OrderStatus = Literal["LIVE", "MATCHED", "DELAYED", "UNMATCHED", "CANCELED", "INVALID"]
#: Trade settlement states; ``FAILED`` is terminal with no fill, ``CONFIRMED`` is final.
TradeStatus = Literal["MATCHED", "MATCHED_NOT_BROADCASTED", "MINED", "CONFIRMED", "RETRYING", "FAILED"]
TRADE_STATUSES: tuple[TradeStatus, ...] = (
    "MATCHED",
    "MATCHED_NOT_BROADCASTED",
    "MINED",
    "CONFIRMED",
    "RETRYING",
    "FAILED",
)


class OrderEvent(Message):
    """An ``order`` event of the user channel (or a REST order row)."""

    TYPE = "user.order"
    VERSION = 1

    order_id: str
    #: The API key that owns the order.
    owner: str
    market: str
    asset_id: str
    side: Side
    outcome: str = ""
    kind: OrderEventKind
    status: OrderStatus
    #: For ``CANCELED_<reason>``: the reason (``MARKET_RESOLVED``, the FOK text, ...); else "".
    status_reason: str = ""
    #: The venue's status text as sent.
    raw_status: str
    order_type: str = ""
    price_micro: int
    original_size_micro: int
    size_matched_micro: int
    associate_trades: tuple[str, ...] = ()
    created_ms: int | None = None
    expiration_ms: int | None = None
    maker_address: str = ""
    venue_ts_ms: int
    recv_ts_ms: int


class MakerOrderFill(BaseModel):
    """One resting order's part in a trade (an entry of ``maker_orders``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: str
    owner: str
    maker_address: str = ""
    asset_id: str
    outcome: str = ""
    #: The maker order's side; derived when the venue omits it (same token: opposite the taker's).
    side: Side
    side_derived: bool = False
    price_micro: int
    matched_size_micro: int
    fee_rate_bps: int | None = None


class UserTrade(Message):
    """A ``trade`` event of the user channel (or a REST trade row): the whole match as reported."""

    TYPE = "user.trade"
    VERSION = 1

    trade_id: str
    status: TradeStatus
    market: str
    #: The taker's token, side, limit price and size.
    asset_id: str
    side: Side
    price_micro: int
    size_micro: int
    outcome: str = ""
    taker_order_id: str
    #: ``TAKER`` or ``MAKER``: which side of this match the receiving account was on.
    trader_side: Literal["TAKER", "MAKER"] | None = None
    owner: str = ""
    trade_owner: str = ""
    maker_address: str = ""
    fee_rate_bps: int | None = None
    maker_orders: tuple[MakerOrderFill, ...] = ()
    match_time_ms: int | None = None
    last_update_ms: int | None = None
    transaction_hash: str = ""
    venue_ts_ms: int | None = None
    recv_ts_ms: int


class Fill(Message):
    """Our own fill: one of our orders in one trade at one settlement status."""

    TYPE = "user.fill"
    VERSION = 1

    #: Deterministic id: ``<trade id>:<order id>:<status>``.
    fill_id: str
    trade_id: str
    status: TradeStatus
    order_id: str
    role: Literal["MAKER", "TAKER"]
    market: str
    asset_id: str
    outcome: str = ""
    side: Side
    price_micro: int
    size_micro: int
    fee_rate_bps: int | None = None
    match_time_ms: int | None = None
    transaction_hash: str = ""
    venue_ts_ms: int | None = None
    recv_ts_ms: int
