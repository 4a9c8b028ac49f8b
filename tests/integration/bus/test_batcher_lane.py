"""The sources' batcher on a real lane: an idle batcher writes from ``add`` itself, in order,
a lane not yet connected is connected by the flusher, and so is a lane whose connection died."""

from __future__ import annotations

import asyncio
import gc
import warnings
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from common.bus.batcher import Batcher
from common.bus.lane import FastLane, open_lane

pytestmark = pytest.mark.integration


class _CountingTransport:
    """A transport that records each socket write (everything else is the real one's)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self.real.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


async def test_an_idle_batcher_writes_from_add_and_keeps_order_under_bursts(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    lane = open_lane(client)
    assert isinstance(lane, FastLane)
    await lane.xadd("batch:warm", {b"k": b"v"})  # connected
    assert lane._resp is not None
    counting = lane._resp.transport = _CountingTransport(lane._resp.transport)
    reported: list[int] = []
    batcher = Batcher(lane, on_written=lambda received, _: reported.extend(received))
    stopping = asyncio.Event()
    task = asyncio.ensure_future(batcher.run(stopping))
    await asyncio.sleep(0.01)

    batcher.add("batch:s", {b"n": b"0"}, 0, received_ns=1)
    assert len(counting.writes) == 1 and b"XADD" in counting.writes[0]  # before any turn of the loop
    for n in range(1, 300):  # bursts: entries added while a pipeline is in flight wait for the next
        batcher.add("batch:s", {b"n": str(n).encode()}, 0, received_ns=n + 1)
        if n % 25 == 0:
            await asyncio.sleep(0)
    await asyncio.sleep(0.2)
    stopping.set()
    await asyncio.wait_for(task, 5)

    assert [int(f[b"n"]) for _, f in await client.xrange("batch:s")] == list(range(300))
    assert sorted(reported) == list(range(1, 301))
    assert len(counting.writes) < 300  # coalesced under the bursts
    await lane.aclose()
    await client.aclose()


async def test_a_lane_not_yet_connected_is_connected_by_the_flusher(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    lane = open_lane(client)
    reported: list[int] = []
    batcher = Batcher(lane, on_written=lambda received, _: reported.extend(received))
    stopping = asyncio.Event()
    task = asyncio.ensure_future(batcher.run(stopping))
    batcher.add("batch:cold", {b"n": b"0"}, 0, received_ns=7)
    batcher.add("batch:cold", {b"n": b"1"}, 0, received_ns=8)
    await asyncio.sleep(0.2)
    stopping.set()
    await asyncio.wait_for(task, 5)
    assert [f[b"n"] for _, f in await client.xrange("batch:cold")] == [b"0", b"1"]
    assert reported == [7, 8]
    await lane.aclose()
    await client.aclose()


async def test_a_lost_connection_is_connected_again_and_every_entry_written_with_no_reply_left_awaited(
    redis_url: str,
) -> None:
    client = aioredis.Redis.from_url(redis_url)
    lane = open_lane(client)
    assert isinstance(lane, FastLane)
    await lane.xadd("batch:warm", {b"k": b"v"})
    assert lane._resp is not None
    batcher = Batcher(lane)
    stopping = asyncio.Event()
    for n in range(6):  # four pipelines in flight, the rest waiting
        batcher.add("batch:lost", {b"n": str(n).encode()})
    lane._resp.fail(RedisConnectionError("lost"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a coroutine never awaited would warn
        task = asyncio.ensure_future(batcher.run(stopping))
        await asyncio.sleep(0.5)
        stopping.set()
        await asyncio.wait_for(task, 5)
        del batcher
        gc.collect()

    written = [int(f[b"n"]) for _, f in await client.xrange("batch:lost")]
    # At least once, in order: what was in flight when the connection died may be there twice.
    assert sorted(set(written)) == list(range(6))
    assert [n for i, n in enumerate(written) if n not in written[:i]] == list(range(6))
    await lane.aclose()
    await client.aclose()
