"""Current state kept in Redis hashes beside the streams, for workers (and people) who need it now.

Each hash field holds one JSON document of a bus body. Streams are the history; these are the
latest values, rebuilt from the streams and the venue on restart.

A hash may hold more than one model: ``state:positions`` keeps every market's ``MarketPosition``
and, under :data:`ACCOUNT`, the ``AccountPosition``. Which field holds which model is declared
here once (:data:`HASH_MODELS`, :data:`FIELD_MODELS`), and every read and write goes by it:
:func:`get_all` returns only the fields that hold the model asked for, and asking a field for
another model than the one it holds is a :class:`WrongModel` error, not a validation failure at
start-up.
"""

from __future__ import annotations

from typing import Any, TypeVar

from common.schemas.base import Message
from common.schemas.feed import FeedStatus
from common.schemas.market import MarketRecord
from common.schemas.positions import AccountPosition, MarketPosition, WindowSummary

#: slug -> MarketRecord of every window discovery tracks.
MARKETS = "state:markets"
#: feed name -> FeedStatus.
FEEDS = "state:feeds"
#: (condition id) -> the ledger's MarketPosition of that market; :data:`ACCOUNT` -> the AccountPosition.
POSITIONS = "state:positions"
#: order id -> the executor's live order.
ORDERS = "state:orders"
#: window slug (and :data:`PNL_TOTAL`) -> WindowSummary.
PNL = "state:pnl"

#: The field of :data:`POSITIONS` that holds the account (every other field is a market).
ACCOUNT = "account"
#: The field of :data:`PNL` that holds every resolved window added up.
PNL_TOTAL = "total"

#: The model every field of a hash holds, unless :data:`FIELD_MODELS` names the field.
HASH_MODELS: dict[str, type[Message]] = {
    MARKETS: MarketRecord, FEEDS: FeedStatus, POSITIONS: MarketPosition, PNL: WindowSummary,
}  # fmt: skip
#: Fields that hold another model than their hash's.
FIELD_MODELS: dict[tuple[str, str], type[Message]] = {(POSITIONS, ACCOUNT): AccountPosition}

M = TypeVar("M", bound=Message)


class WrongModel(TypeError):
    """A hash field asked for (or given) another model than the one it holds."""


def book_key(token_id: str) -> str:
    """The latest full book of one token (a BookSnapshot)."""
    return f"state:book:{token_id}"


def model_of(key: str, field: str) -> type[Message] | None:
    """The model ``key[field]`` holds (None for a hash not declared here)."""
    return FIELD_MODELS.get((key, field)) or HASH_MODELS.get(key)


def _check(key: str, field: str, model: type[Message]) -> None:
    held = model_of(key, field)
    if held is not None and held is not model:
        raise WrongModel(f"{key}[{field}] holds {held.__name__}, not {model.__name__}")


def put(pipe: Any, key: str, field: str, body: Message) -> None:
    """Queue an HSET of one body as JSON (``pipe`` is a pipeline or a client)."""
    _check(key, field, type(body))
    pipe.hset(key, field, body.model_dump_json())


async def get(redis: Any, key: str, field: str, model: type[M]) -> M | None:
    _check(key, field, model)
    raw = await redis.hget(key, field)
    return None if raw is None else model.model_validate_json(raw)


async def get_all(redis: Any, key: str, model: type[M]) -> dict[str, M]:
    """Every field of ``key`` that holds ``model`` (fields declared to hold another are left out)."""
    raw: dict[bytes, bytes] = await redis.hgetall(key)
    out: dict[str, M] = {}
    for k, v in raw.items():
        field = k.decode()
        held = model_of(key, field)
        if held is None or held is model:
            out[field] = model.model_validate_json(v)
    return out


async def market_positions(redis: Any) -> dict[str, MarketPosition]:
    """The ledger's position of every market, by condition id (the account left out)."""
    return await get_all(redis, POSITIONS, MarketPosition)


async def account_position(redis: Any) -> AccountPosition | None:
    """The ledger's account (None before its first publication)."""
    return await get(redis, POSITIONS, ACCOUNT, AccountPosition)
