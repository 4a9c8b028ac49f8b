"""The quoter's look at the ledger while the ledger books: it must not crash its source loop."""

from __future__ import annotations

import time
from typing import Any

import redis.asyncio as aioredis

from common.bus import streams
from workers.quoter import ledger_watch


class LedgerBooksMeanwhile:
    """Real Redis, with the ledger acking its pending fill between the quoter's two reads."""

    def __init__(self, redis: aioredis.Redis, fill_id: bytes) -> None:
        self._redis = redis
        self._fill_id = fill_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._redis, name)

    async def xpending(self, stream: str, group: str) -> Any:
        await self._redis.xack(stream, group, self._fill_id)
        return await self._redis.xpending(stream, group)


async def test_a_fill_booked_between_the_groups_look_and_the_pending_look_counts_as_booked(redis_url: str) -> None:
    redis = aioredis.Redis.from_url(redis_url)
    try:
        fill_id = await redis.xadd(streams.FILLS, {b"f": b"1"})
        await redis.xgroup_create(streams.FILLS, ledger_watch.LEDGER, id="0")
        await redis.xreadgroup(ledger_watch.LEDGER, "ledger-0", {streams.FILLS: ">"})  # pending: 1

        age = await ledger_watch.unbooked_fill_age_ms(LedgerBooksMeanwhile(redis, fill_id), int(time.time() * 1000))

        assert age == 0
    finally:
        await redis.aclose()
