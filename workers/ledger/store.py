"""Where the ledger keeps its books in Redis, so that a restart (even after SIGKILL) rebuilds them.

- ``state:ledger`` (hash): ``initial_cash_micro`` (set once, at the first start) and, per input
  stream, ``hwm:<stream>``: the id of the last entry whose effect is persisted.
- ``state:ledger:log`` (list): every op that changed the books, in the order applied (``ops.Op``).
- ``state:ledger:counters`` (hash): ``<market>|<counter>`` → the executor's reports counted per window.
- ``state:ledger:recycled`` (hash): condition id → merged sets and redeemed collateral.
- ``state:ledger`` ``closed`` and ``closed_total``: what forgotten windows left in the account and in
  the running total; ``state:ledger:forgotten`` (sorted set): traded windows forgotten, by when.
  Windows over for good leave the log and every hash ``ledger.closed_window_retention_s`` after
  their end (``workers.ledger.compact``), so none of these grows with the number of windows.

An input's effect (log append, high-water mark, and the current-state hashes) is written in one
MULTI/EXEC *before* the runner acks the input. A crash between the two redelivers the entry: money
inputs are applied once anyway (the core dedupes fills, merges, redeems, records, resolutions), and
an id at or below the mark only means "emit the outputs again". Executor reports are counted, not
deduped by the core: for them the mark is the dedupe key, which holds because entries of one stream
reach the one ledger instance in id order (pending entries first, under a stable consumer name).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from typing import Any

from common import state
from common.schemas.positions import WindowSummary
from workers.ledger.core import Closed, Ledger, WindowCounters
from workers.ledger.ops import Books, Op, Recycled

LEDGER_KEY = "state:ledger"
LOG_KEY = "state:ledger:log"
COUNTERS_KEY = "state:ledger:counters"
RECYCLED_KEY = "state:ledger:recycled"
FORGOTTEN_KEY = "state:ledger:forgotten"
CLOSED_FIELD = "closed"
CLOSED_TOTAL_FIELD = "closed_total"
INITIAL_CASH_FIELD = "initial_cash_micro"
PNL_KEY = state.PNL
#: Ops read per LRANGE when replaying the log.
REPLAY_CHUNK = 5_000
_COUNTERS = tuple(f.name for f in dataclasses.fields(WindowCounters))

EntryId = tuple[int, int]


def parse_id(entry_id: str) -> EntryId:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def hwm_field(stream: str) -> str:
    return f"hwm:{stream}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def load_initial_cash(redis: Any) -> int | None:
    raw = await redis.hget(LEDGER_KEY, INITIAL_CASH_FIELD)
    return None if raw is None else int(raw)


async def save_initial_cash(redis: Any, cash_micro: int) -> int:
    """Set the starting cash unless already set (two first starts agree on the first); returns it."""
    await redis.hsetnx(LEDGER_KEY, INITIAL_CASH_FIELD, cash_micro)
    return int(await redis.hget(LEDGER_KEY, INITIAL_CASH_FIELD))


async def restore(redis: Any, initial_cash_micro: int) -> tuple[Books, dict[str, EntryId]]:
    """The books as persisted (the log replayed, the counters loaded) and the high-water marks."""
    closed, closed_total = await redis.hmget(LEDGER_KEY, [CLOSED_FIELD, CLOSED_TOTAL_FIELD])
    books = Books(Ledger(initial_cash_micro, Closed(**json.loads(closed)) if closed else None),
                  forgotten={_text(m) for m in await redis.zrange(FORGOTTEN_KEY, 0, -1)},
                  closed_total=WindowSummary.model_validate_json(closed_total) if closed_total else None)  # fmt: skip
    start = 0
    while True:
        chunk = await redis.lrange(LOG_KEY, start, start + REPLAY_CHUNK - 1)
        for raw in chunk:
            books.apply(Op.loads(raw))
        if len(chunk) < REPLAY_CHUNK:
            break
        start += REPLAY_CHUNK
    for name, value in (await redis.hgetall(COUNTERS_KEY)).items():
        market, _, counter = _text(name).rpartition("|")
        if counter in _COUNTERS:
            setattr(books.ledger.books(market).counters, counter, int(value))
    hwm = {
        _text(k).removeprefix("hwm:"): parse_id(_text(v))
        for k, v in (await redis.hgetall(LEDGER_KEY)).items()
        if _text(k).startswith("hwm:")
    }
    return books, hwm


async def persist(
    redis: Any,
    stream: str,
    entry_id: str | None,
    ops: Iterable[Op],
    hashes: Mapping[str, Mapping[str, str]],
) -> None:
    """Append the ops, move the stream's mark (unless None) and write the current-state hashes, atomically."""
    pipe = redis.pipeline(transaction=True)
    logged = [op.dumps() for op in ops]
    if logged:
        pipe.rpush(LOG_KEY, *logged)
    if entry_id is not None:
        pipe.hset(LEDGER_KEY, hwm_field(stream), entry_id)
    for key, fields in hashes.items():
        if fields:
            pipe.hset(key, mapping=dict(fields))
    await pipe.execute()


def counter_fields(market: str) -> list[str]:
    return [f"{market}|{name}" for name in _COUNTERS]


def counter_deltas(before: WindowCounters, after: WindowCounters) -> dict[str, int]:
    return {name: getattr(after, name) - getattr(before, name) for name in _COUNTERS
            if getattr(after, name) != getattr(before, name)}  # fmt: skip


async def persist_counts(redis: Any, stream: str, entry_id: str, market: str, deltas: Mapping[str, int],
                         pnl: Mapping[str, str]) -> None:  # fmt: skip
    """Count one executor report and refresh the window's summary in ``state:pnl``, atomically."""
    pipe = redis.pipeline(transaction=True)
    for name, delta in deltas.items():
        pipe.hincrby(COUNTERS_KEY, f"{market}|{name}", delta)
    pipe.hset(LEDGER_KEY, hwm_field(stream), entry_id)
    if deltas:
        pipe.hset(PNL_KEY, mapping=dict(pnl))
    await pipe.execute()


def recycled_fields(books: Books, markets: Iterable[str]) -> dict[str, str]:
    return {m: books.recycled[m].dumps() for m in markets if m in books.recycled}


def load_recycled(raw: Mapping[Any, Any]) -> dict[str, Recycled]:
    """The ``state:ledger:recycled`` hash as read by the report."""
    return {_text(k): Recycled(**json.loads(v)) for k, v in raw.items()}
