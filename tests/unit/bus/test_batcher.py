"""The sources' batcher: order kept, everything flushed by the stop, receive times reported once written."""

from __future__ import annotations

import asyncio

import fakeredis

from common.bus.batcher import Batcher
from common.bus.lane import open_lane


async def test_entries_go_out_in_order_and_the_stop_flushes_the_rest() -> None:
    client = fakeredis.FakeAsyncRedis()
    reported: list[tuple[list[int], int]] = []
    batcher = Batcher(open_lane(client), on_written=lambda received, at: reported.append((received, at)))
    stopping = asyncio.Event()
    task = asyncio.ensure_future(batcher.run(stopping))
    for n in range(50):
        batcher.add("s", {b"n": str(n).encode()}, 0, received_ns=n + 1)
        if n % 7 == 0:
            await asyncio.sleep(0)  # let some flushes happen in between
    for n in range(50, 60):
        batcher.add("s", {b"n": str(n).encode()})  # no receive time: not reported
    stopping.set()
    await asyncio.wait_for(task, 5)

    assert [int(f[b"n"]) for _, f in await client.xrange("s")] == list(range(60))
    assert sorted(r for received, _ in reported for r in received) == list(range(1, 51))
    assert batcher.flushes >= 2


async def test_an_idle_batcher_stops_at_once() -> None:
    batcher = Batcher(open_lane(fakeredis.FakeAsyncRedis()))
    stopping = asyncio.Event()
    task = asyncio.ensure_future(batcher.run(stopping))
    await asyncio.sleep(0.01)
    stopping.set()
    await asyncio.wait_for(task, 1)
    assert batcher.flushes == 0
