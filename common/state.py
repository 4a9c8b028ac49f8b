"""Current state kept in Redis hashes beside the streams, for workers (and people) who need it now.

Each hash field holds one JSON document of a bus body. Streams are the history; these are the
latest values, rebuilt from the streams and the venue on restart.
"""

from __future__ import annotations

from typing import Any, TypeVar

from common.schemas.base import Message

#: slug -> MarketRecord of every window discovery tracks.
MARKETS = "state:markets"
#: feed name -> FeedStatus.
FEEDS = "state:feeds"
#: (condition id) -> the ledger's position of that market.
POSITIONS = "state:positions"
#: order id -> the executor's live order.
ORDERS = "state:orders"
#: window slug (and ``total``) -> PnL summary.
PNL = "state:pnl"

M = TypeVar("M", bound=Message)


def book_key(token_id: str) -> str:
    """The latest full book of one token (a BookSnapshot)."""
    return f"state:book:{token_id}"


def put(pipe: Any, key: str, field: str, body: Message) -> None:
    """Queue an HSET of one body as JSON (``pipe`` is a pipeline or a client)."""
    pipe.hset(key, field, body.model_dump_json())


async def get(redis: Any, key: str, field: str, model: type[M]) -> M | None:
    raw = await redis.hget(key, field)
    return None if raw is None else model.model_validate_json(raw)


async def get_all(redis: Any, key: str, model: type[M]) -> dict[str, M]:
    raw: dict[bytes, bytes] = await redis.hgetall(key)
    return {k.decode(): model.model_validate_json(v) for k, v in raw.items()}
