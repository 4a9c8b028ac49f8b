"""The authenticated user websocket (reference §3): ``order`` and ``trade`` events.

The same shapes come back from REST (``/data/orders``, ``/data/trades``) without ``event_type``;
``parse_order`` and ``parse_trade`` take either. Order statuses are parsed by prefix
(``CANCELED_<reason>``); empty strings stand for absent fields. A maker order's side is taken from
its ``maker_orders`` entry, or derived when the venue omits it (older captures): a maker on the
taker's token took the other side; a maker on the complementary token (a mint or merge match) took
the same side. A frame is one event or an array of them: ``parse_elements`` takes it element by
element, so that one malformed element costs only itself (and the fills beside it are kept).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, TypedDict

from common.schemas.base import Message
from common.schemas.user import TRADE_STATUSES, MakerOrderFill, OrderEvent, UserTrade
from common.venue.convert import bps, epoch_ms, field, loads, micro, optional_epoch_ms, side, text
from common.venue.errors import VenueParseError, guarded, parse_guard
from common.venue.market_ws import TEXT_FRAMES

_ORDER_STATUSES = ("LIVE", "MATCHED", "DELAYED", "UNMATCHED", "CANCELED", "INVALID")
_ORDER_KINDS = ("PLACEMENT", "UPDATE", "CANCELLATION")


class VenueMakerOrder(TypedDict, total=False):
    order_id: str
    owner: str
    maker_address: str
    matched_amount: str
    price: str
    fee_rate_bps: str
    asset_id: str
    outcome: str
    side: str


class VenueTrade(TypedDict, total=False):
    event_type: str
    type: str
    id: str
    taker_order_id: str
    market: str
    asset_id: str
    side: str
    size: str
    price: str
    fee_rate_bps: str
    status: str
    match_time: str
    last_update: str
    outcome: str
    owner: str
    trade_owner: str
    maker_address: str
    transaction_hash: str
    trader_side: str
    timestamp: str
    maker_orders: list[VenueMakerOrder]


def order_status(raw: str) -> tuple[str, str]:
    """``(status, reason)`` of a venue order status: ``CANCELED_MARKET_RESOLVED`` → CANCELED."""
    upper = raw.upper()
    for status in _ORDER_STATUSES:
        if upper == status:
            return status, ""
        if upper.startswith(status + "_"):
            return status, raw[len(status) + 1 :]
    raise VenueParseError(f"order: unknown status {raw!r}")


def _size(value: object, what: str) -> int:
    return 0 if value in (None, "") else micro(value, what)


def _strings(value: object, what: str) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise VenueParseError(f"{what}: not a list of strings: {value!r}")
    return tuple(value)


@guarded("order")
def parse_order(obj: dict[str, Any], recv_ts_ms: int) -> OrderEvent:
    """An ``order`` event (the ``event_type`` may be absent, as in REST rows)."""
    status, reason = order_status(text(obj, "status", "order"))
    kind = str(field(obj, "type", "order")).upper()
    if kind not in _ORDER_KINDS:
        raise VenueParseError(f"order: unknown type {kind!r}")
    return OrderEvent(
        order_id=text(obj, "id", "order"),
        owner=str(obj.get("owner") or obj.get("order_owner") or ""),
        market=text(obj, "market", "order"),
        asset_id=text(obj, "asset_id", "order"),
        side=side(field(obj, "side", "order")),
        outcome=str(obj.get("outcome") or ""),
        kind=kind,
        status=status,
        status_reason=reason,
        raw_status=obj["status"],
        order_type=str(obj.get("order_type") or ""),
        price_micro=micro(field(obj, "price", "order"), "price"),
        original_size_micro=_size(field(obj, "original_size", "order"), "original_size"),
        size_matched_micro=_size(obj.get("size_matched"), "size_matched"),
        associate_trades=_strings(obj.get("associate_trades"), "associate_trades"),
        created_ms=optional_epoch_ms(obj.get("created_at"), "created_at"),
        expiration_ms=optional_epoch_ms(obj.get("expiration"), "expiration"),
        maker_address=str(obj.get("maker_address") or ""),
        venue_ts_ms=epoch_ms(field(obj, "timestamp", "order")),
        recv_ts_ms=recv_ts_ms,
    )


def _maker_order(entry: dict[str, Any], taker_asset: str, taker_side: str) -> MakerOrderFill:
    asset = text(entry, "asset_id", "maker_order")
    raw_side = entry.get("side")
    if raw_side:
        maker_side, derived = side(raw_side, "maker_order side"), False
    else:
        same_token = asset == taker_asset
        maker_side = ("SELL" if taker_side == "BUY" else "BUY") if same_token else taker_side
        derived = True
    return MakerOrderFill(
        order_id=text(entry, "order_id", "maker_order"),
        owner=str(entry.get("owner") or ""),
        maker_address=str(entry.get("maker_address") or ""),
        asset_id=asset,
        outcome=str(entry.get("outcome") or ""),
        side=maker_side,
        side_derived=derived,
        price_micro=micro(field(entry, "price", "maker_order"), "maker price"),
        matched_size_micro=micro(field(entry, "matched_amount", "maker_order"), "matched_amount"),
        fee_rate_bps=bps(entry.get("fee_rate_bps")),
    )


@guarded("trade")
def parse_trade(obj: dict[str, Any], recv_ts_ms: int) -> UserTrade:
    """A ``trade`` event (or a REST ``/data/trades`` row) with every maker order of the match."""
    status = text(obj, "status", "trade").upper()
    if status not in TRADE_STATUSES:
        raise VenueParseError(f"trade: unknown status {status!r}")
    taker_asset = text(obj, "asset_id", "trade")
    taker_side = side(field(obj, "side", "trade"))
    makers = field(obj, "maker_orders", "trade") if "maker_orders" in obj else []
    if not isinstance(makers, list):
        raise VenueParseError("trade: maker_orders is not a list")
    trader_side = obj.get("trader_side") or None
    if trader_side is not None and trader_side not in ("TAKER", "MAKER"):
        raise VenueParseError(f"trade: unknown trader_side {trader_side!r}")
    match_time = obj.get("match_time", obj.get("matchtime"))
    return UserTrade(
        trade_id=text(obj, "id", "trade"),
        status=status,
        market=text(obj, "market", "trade"),
        asset_id=taker_asset,
        side=taker_side,
        price_micro=micro(field(obj, "price", "trade"), "price"),
        size_micro=micro(field(obj, "size", "trade"), "size"),
        outcome=str(obj.get("outcome") or ""),
        taker_order_id=text(obj, "taker_order_id", "trade"),
        trader_side=trader_side,
        owner=str(obj.get("owner") or ""),
        trade_owner=str(obj.get("trade_owner") or ""),
        maker_address=str(obj.get("maker_address") or ""),
        fee_rate_bps=bps(obj.get("fee_rate_bps")),
        maker_orders=tuple(_maker_order(entry, taker_asset, taker_side) for entry in makers),
        match_time_ms=optional_epoch_ms(match_time, "match_time"),
        last_update_ms=optional_epoch_ms(obj.get("last_update"), "last_update"),
        transaction_hash=str(obj.get("transaction_hash") or ""),
        venue_ts_ms=optional_epoch_ms(obj.get("timestamp"), "timestamp"),
        recv_ts_ms=recv_ts_ms,
    )


@dataclass(frozen=True, slots=True)
class BadElement:
    """One element of a frame that did not parse: the element as the venue sent it, and why."""

    #: ``trade``, ``order``, or "" when the element does not say (what it would have become).
    kind: str
    raw: str
    error: str


@dataclass(frozen=True, slots=True)
class ParsedFrame:
    """What one frame held: the events of its good elements, and its bad elements."""

    events: list[Message]
    bad: list[BadElement]


class UserWsParser:
    """Turns raw user-channel frames into ``OrderEvent``/``UserTrade``; ``counts`` says what it saw."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def parse(self, raw: str | bytes, recv_ts_ms: int) -> list[Message]:
        """All events of one frame; raises ``VenueParseError`` (only) if any part is malformed."""
        frame = self.parse_elements(raw, recv_ts_ms)
        if frame.bad:
            raise VenueParseError(frame.bad[0].error)
        return frame.events

    def parse_elements(self, raw: str | bytes, recv_ts_ms: int) -> ParsedFrame:
        """The frame element by element: one bad element costs only itself. Raises
        ``VenueParseError`` (only) when the frame as a whole is not JSON."""
        with parse_guard("user frame"):
            elements = frame_elements(raw, self.counts)
        frame = ParsedFrame([], [])
        for element in elements:
            try:
                event = self._event(element, recv_ts_ms)
            except VenueParseError as exc:
                kind = element.get("event_type") if isinstance(element, dict) else None
                frame.bad.append(BadElement(kind if kind in ("trade", "order") else "", _dump(element), str(exc)))
                self.counts["bad_element"] += 1
                continue
            if event is not None:
                frame.events.append(event)
        return frame

    def _event(self, obj: object, recv_ts_ms: int) -> Message | None:
        with parse_guard("user event"):
            if not isinstance(obj, dict):
                raise VenueParseError(f"frame element is not an object: {type(obj).__name__}")
            kind = obj.get("event_type")
            if kind is None:
                raise VenueParseError("user event without event_type")
            event: Message
            if kind == "order":
                event = parse_order(obj, recv_ts_ms)
            elif kind == "trade":
                event = parse_trade(obj, recv_ts_ms)
            else:
                self.counts["unknown_event_type"] += 1
                return None
            self.counts[kind] += 1
            return event


def frame_elements(raw: str | bytes, counts: Counter[str]) -> list[object]:
    """The decoded elements of one frame (an object or an array of them); none for the bare text
    acks and keep-alives (counted). Raises ``VenueParseError`` when the frame is not JSON."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes | bytearray) else raw
    stripped = text.strip()
    if stripped in TEXT_FRAMES:
        counts["text:" + stripped] += 1
        return []
    decoded = loads(stripped)
    return list(decoded) if isinstance(decoded, list) else [decoded]


def _dump(element: object) -> str:
    return json.dumps(element, separators=(",", ":"), default=str)  # exact numbers come back as strings
