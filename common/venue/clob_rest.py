"""CLOB REST and data-API responses (reference §1.4, §3.4, §5.1): the book, market info, trades.

``GET /book`` has the ``book`` event's shape without ``event_type``; ``GET /markets/{condition_id}``
is snake_case with ``tokens[]``; the data API's ``/trades`` rows carry prices and sizes as JSON
numbers, decoded exactly (``parse_float=Decimal``), and times in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from common.schemas.book import BookSnapshot, LastTrade
from common.venue.convert import boolean, epoch_ms, field, micro, side, text
from common.venue.errors import VenueParseError, guarded
from common.venue.market_events import parse_book


class VenueClobToken(TypedDict, total=False):
    token_id: str
    outcome: str
    price: object
    winner: bool


class VenueClobMarket(TypedDict, total=False):
    condition_id: str
    question_id: str
    market_slug: str
    minimum_order_size: object
    minimum_tick_size: object
    neg_risk: bool
    accepting_orders: bool
    active: bool
    closed: bool
    rewards: dict[str, Any]
    tokens: list[VenueClobToken]


@dataclass(frozen=True, slots=True)
class ClobMarketInfo:
    """The CLOB's view of a market: enough to check Gamma's record against the order book's."""

    condition_id: str
    slug: str
    token_ids: tuple[str, ...]
    outcomes: tuple[str, ...]
    tick_size_micro: int
    min_size_micro: int
    neg_risk: bool
    accepting_orders: bool
    closed: bool
    rewards_min_size_micro: int
    #: Index of the winning token once the CLOB marks one, else None.
    winner_index: int | None


@guarded("rest book")
def parse_rest_book(obj: dict[str, Any], recv_ts_ms: int) -> BookSnapshot:
    """A ``GET /book`` response as a snapshot (best levels by max/min)."""
    return parse_book(obj, recv_ts_ms)


@guarded("clob market")
def parse_clob_market(obj: dict[str, Any]) -> ClobMarketInfo:
    """A ``GET /markets/{condition_id}`` response."""
    tokens = field(obj, "tokens", "clob market")
    if not isinstance(tokens, list) or not tokens:
        raise VenueParseError("clob market: no tokens")
    winners = [i for i, token in enumerate(tokens) if token.get("winner") is True]
    rewards = obj.get("rewards") or {}
    return ClobMarketInfo(
        condition_id=text(obj, "condition_id", "clob market"),
        slug=str(obj.get("market_slug") or ""),
        token_ids=tuple(text(token, "token_id", "clob token") for token in tokens),
        outcomes=tuple(str(token.get("outcome") or "") for token in tokens),
        tick_size_micro=micro(field(obj, "minimum_tick_size", "clob market"), "minimum_tick_size"),
        min_size_micro=micro(field(obj, "minimum_order_size", "clob market"), "minimum_order_size"),
        neg_risk=boolean(obj.get("neg_risk"), "neg_risk", default=False),
        accepting_orders=boolean(obj.get("accepting_orders"), "accepting_orders", default=False),
        closed=boolean(obj.get("closed"), "closed", default=False),
        rewards_min_size_micro=micro(rewards.get("min_size") or 0, "rewards.min_size"),
        winner_index=winners[0] if len(winners) == 1 else None,
    )


@guarded("data-api trades")
def parse_data_api_trades(rows: list[Any], recv_ts_ms: int) -> list[LastTrade]:
    """Rows of the data API's ``/trades`` as trade prints (side is the taker's)."""
    if not isinstance(rows, list):
        raise VenueParseError("data-api trades: not a list")
    return [
        LastTrade(
            market=text(row, "conditionId", "data-api trade"),
            asset_id=text(row, "asset", "data-api trade"),
            price_micro=micro(field(row, "price", "data-api trade"), "price"),
            size_micro=micro(field(row, "size", "data-api trade"), "size"),
            side=side(field(row, "side", "data-api trade")),
            transaction_hash=str(row.get("transactionHash") or ""),
            venue_ts_ms=epoch_ms(field(row, "timestamp", "data-api trade")),
            recv_ts_ms=recv_ts_ms,
        )
        for row in rows
    ]
