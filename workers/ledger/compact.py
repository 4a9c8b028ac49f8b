"""Forgetting windows that are over, so that the op log and the per-window hashes stay bounded.

A window is over for good ``ledger.closed_window_retention_s`` after its end once it is resolved
with no winning share left, or if it never traded (``Books.closable``). Its cash effect, PnL, fees
and rebates move into the carried totals (``Closed``), its summary into the carried running total;
its ops leave ``state:ledger:log`` and its fields leave ``state:positions``, ``state:pnl`` and the
counters and recycled hashes, all in one MULTI/EXEC. A traded window is remembered as forgotten
(``state:ledger:forgotten``, for ``bus.dedupe_ttl_s``) so that a late duplicate of its fills is
ignored rather than booked into fresh books.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from common import state
from workers.ledger import store
from workers.ledger.core import window_summary
from workers.ledger.ops import Books, Op, total_summary

#: How often the ledger looks for windows to forget (a cheap scan of the markets in memory).
COMPACT_INTERVAL_MS = 60_000


async def compact(redis: Any, books: Books, now_ms: int, retention_ms: int, forgotten_ttl_ms: int) -> list[str]:
    """Forget every window over for good; returns them. On an error, the books in memory are ahead
    of Redis: the caller must rebuild them (``worker.reload``)."""
    over = books.closable(now_ms, retention_ms)
    if not over:
        return []
    traded = [m for m in over if books.ledger.markets[m].ops]
    summaries = [window_summary(books.ledger, m, now_ms) for m in over if books.resolved(m)]
    pnl_fields = [books.ledger.markets[m].slug or m for m in over]
    if summaries:
        carried = [books.closed_total] if books.closed_total is not None else []
        books.closed_total = total_summary([*carried, *summaries], now_ms)
    for market in over:
        books.ledger.forget_market(market)
        books.records.pop(market, None)
        books.recycled.pop(market, None)
    books.forgotten.update(traded)
    gone = set(over)
    kept = [raw for raw in await _log(redis) if Op.loads(raw).market not in gone]
    pipe = redis.pipeline(transaction=True)
    pipe.delete(store.LOG_KEY)
    for start in range(0, len(kept), store.REPLAY_CHUNK):
        pipe.rpush(store.LOG_KEY, *kept[start : start + store.REPLAY_CHUNK])
    closed = {store.CLOSED_FIELD: json.dumps(dataclasses.asdict(books.ledger.closed))}
    if books.closed_total is not None:
        closed[store.CLOSED_TOTAL_FIELD] = books.closed_total.model_dump_json()
    pipe.hset(store.LEDGER_KEY, mapping=closed)
    pipe.hdel(state.POSITIONS, *over)
    pipe.hdel(state.PNL, *pnl_fields)
    pipe.hdel(store.RECYCLED_KEY, *over)
    pipe.hdel(store.COUNTERS_KEY, *[f for m in over for f in store.counter_fields(m)])
    if traded:
        pipe.zadd(store.FORGOTTEN_KEY, dict.fromkeys(traded, now_ms))
    pipe.zremrangebyscore(store.FORGOTTEN_KEY, "-inf", now_ms - forgotten_ttl_ms)
    await pipe.execute()
    books.forgotten = {_text(m) for m in await redis.zrange(store.FORGOTTEN_KEY, 0, -1)}  # the expired gone
    return over


async def _log(redis: Any) -> list[bytes]:
    out: list[bytes] = []
    while True:
        chunk = await redis.lrange(store.LOG_KEY, len(out), len(out) + store.REPLAY_CHUNK - 1)
        out += chunk
        if len(chunk) < store.REPLAY_CHUNK:
            return out


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
