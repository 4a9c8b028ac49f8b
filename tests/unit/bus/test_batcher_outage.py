"""The sources' batcher through a Redis outage: it keeps going, keeps order, bounds its backlog."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import fakeredis
from prometheus_client import REGISTRY
from redis.exceptions import ConnectionError as RedisConnectionError

from common.bus.batcher import Batcher
from common.bus.lane import Append, ClientLane
from common.retry import Backoff


class SwitchedLane(ClientLane):
    """fakeredis behind a switch: while ``down``, every write fails as a lost connection would."""

    def __init__(self) -> None:
        self.client = fakeredis.FakeAsyncRedis()
        super().__init__(self.client)
        self.down = False
        self.attempts = 0

    async def xadd_many(self, appends: Sequence[Append]) -> list[bytes]:
        self.attempts += 1
        if self.down:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return await super().xadd_many(appends)

    async def written(self, stream: str) -> list[int]:
        return [int(f[b"n"]) for _, f in await self.client.xrange(stream)]


class Watcher:
    """Records what the batcher tells it, and what it was asked to report, in order."""

    def __init__(self, lane: SwitchedLane) -> None:
        self._lane = lane
        self.owes = False
        self.said: list[str] = []
        self.reported: list[tuple[str, int]] = []  # (what, entries written when reported)

    def failing(self, reason: str) -> None:
        if not self.said or self.said[-1] != "down":
            assert "cannot write to Redis" in reason
            self.said.append("down")
            self.owes = True

    def resumed(self) -> None:
        self.said.append("up")
        self.owes = True

    async def report(self) -> None:
        self.reported.append((self.said[-1], len(await self._lane.written("s"))))
        self.owes = False


def dropped_metric(worker: str) -> float:
    return REGISTRY.get_sample_value("updown_bus_backlog_dropped_total", {"worker": worker}) or 0.0


async def wait_until(condition: object, timeout_s: float = 5.0) -> None:
    async def poll() -> None:
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout_s)


async def test_entries_added_while_redis_is_away_go_out_in_order_once_it_is_back() -> None:
    lane = SwitchedLane()
    lane.down = True
    watcher = Watcher(lane)
    batcher = Batcher(lane, worker="t-outage", retry=Backoff(1, 5), watcher=watcher)
    stopping = asyncio.Event()
    task = asyncio.ensure_future(batcher.run(stopping))
    for n in range(300):
        batcher.add("s", {b"n": str(n).encode()})

    await wait_until(lambda: lane.attempts >= 5 or task.done())
    assert not task.done(), "the flusher died on the first connection error"
    assert await lane.written("s") == []
    assert watcher.said == ["down"]

    lane.down = False
    await wait_until(lambda: watcher.said == ["down", "up"])
    for n in range(300, 310):
        batcher.add("s", {b"n": str(n).encode()})
    await asyncio.sleep(0.05)
    stopping.set()
    await asyncio.wait_for(task, 5)

    assert await lane.written("s") == list(range(310))
    # The outage is said before the backlog goes out, the recovery after it.
    assert watcher.reported == [("down", 0), ("up", 300)]
    assert batcher.dropped == 0


async def test_a_full_backlog_drops_the_oldest_entries_counts_them_and_never_exceeds_its_bound() -> None:
    lane = SwitchedLane()
    lane.down = True
    batcher = Batcher(lane, worker="t-full", backlog_max=1_000, retry=Backoff(1, 5))
    stopping = asyncio.Event()
    task = asyncio.ensure_future(batcher.run(stopping))
    await asyncio.sleep(0.01)

    largest = 0
    for n in range(2_500):
        batcher.add("s", {b"n": str(n).encode()})
        largest = max(largest, batcher.backlog)
        if n % 100 == 0:
            await asyncio.sleep(0)  # the flusher keeps trying meanwhile
    assert largest <= 1_000
    assert batcher.dropped == 2_500 - batcher.backlog > 0
    assert dropped_metric("t-full") == batcher.dropped

    lane.down = False
    await wait_until(lambda: batcher.backlog == 0)
    stopping.set()
    await asyncio.wait_for(task, 5)
    # What is left is the newest, in order: the oldest went first.
    assert await lane.written("s") == list(range(batcher.dropped, 2_500))


async def test_a_stop_while_redis_is_away_ends_the_flusher_without_an_error() -> None:
    lane = SwitchedLane()
    lane.down = True
    batcher = Batcher(lane, worker="t-stop", retry=Backoff(1, 5))
    stopping = asyncio.Event()
    task = asyncio.ensure_future(batcher.run(stopping))
    batcher.add("s", {b"n": b"0"})
    await wait_until(lambda: lane.attempts >= 2 or task.done())

    stopping.set()
    await asyncio.wait_for(task, 5)

    assert task.exception() is None
    assert batcher.backlog == 1  # said in the log: unwritten_at_stop
