"""The soak's monitor reads through a group of its own: the pending-safe trim never takes an entry
from under it, however long it waits between reads."""

from __future__ import annotations

import pytest
import redis
import redis.asyncio as aioredis

from cli.soak import Monitor
from common.bus import streams
from common.bus.writer import Writer
from common.clock import SYSTEM_CLOCK
from common.config import load_settings

pytestmark = pytest.mark.integration


async def test_a_fill_acked_by_every_worker_group_is_not_trimmed_before_the_monitor_reads_it(redis_url: str) -> None:
    sync = redis.Redis.from_url(redis_url)
    client = aioredis.Redis.from_url(redis_url)
    monitor = Monitor()
    try:
        monitor.poll(sync)  # the soak starts: its group exists from now on
        sync.xgroup_create(streams.FILLS, "ledger", id="0")
        for n in range(3):
            sync.xadd(streams.FILLS, {"type": "user.fill", "n": str(n)})
        for entry_id, _ in sync.xreadgroup("ledger", "ledger-0", {streams.FILLS: ">"})[0][1]:
            sync.xack(streams.FILLS, "ledger", entry_id)  # the only worker group has booked them all

        trimmed = await Writer(client, "feed-user", load_settings(env={}).bus, SYSTEM_CLOCK).trim_pending_safe(
            streams.FILLS)  # fmt: skip
        monitor.poll(sync)
        last = sync.xinfo_stream(streams.FILLS)["last-generated-id"]
        groups = {g["name"]: g["last-delivered-id"] for g in sync.xinfo_groups(streams.FILLS)}
    finally:
        await client.aclose()
        sync.close()

    assert trimmed == 0  # the trim's floor is what the monitor has read: nothing yet
    assert groups[b"soak"] == last  # and once it reads, it has seen every entry
