"""Play a timeline: frames to the local venue, entries back onto their streams, each when due.

An entry written back is a barrier: the player goes on once every group reading its stream has
taken it (delivered and acked), so that a window announced by discovery, or a position booked by
the ledger, is known to the stages before the market data recorded after it arrives, at any speed.
They are few (a few a second); the market data between them is not held back. Before a market
record it also waits until the feeds have handled every frame sent so far, so that feed-book
follows a new window, or drops an ended one, after the frames recorded before it.

The ledger is not a stage under test; the quoter trusts positions only while a ledger is alive
and has booked every fill (``workers/quoter/ledger_watch.py``). The player stands in for it as
the recording shows it was: it keeps a ledger health hash and books each fill it writes back
(reads it through the ``ledger`` group and acks it) as it writes the positions recorded after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.stress.timeline import Entry, Frame, Item, due_s, first_frame_ms
from bench.stress.venue import Venue
from common.bus import streams
from common.runner import health

#: How long a written-back entry waits for every group of its stream to take it.
BARRIER_WAIT_S = 10.0
#: How often the player looks at the groups while it waits at a barrier.
BARRIER_POLL_S = 0.002
#: The stand-in ledger's instance (its health hash) and how often it beats.
LEDGER_INSTANCE = "ledger-stress"
LEDGER_BEAT_S = 1.0
LEDGER_TTL_MS = 15_000


@dataclass
class PlayReport:
    frames: int = 0
    entries: int = 0
    #: Entries whose groups did not all take them within ``BARRIER_WAIT_S``.
    barrier_timeouts: int = 0
    #: How far behind its due time the player sent its most delayed item (s).
    max_behind_s: float = 0.0
    #: How long the player waited in all at barriers, for the stages to take what it wrote back (s).
    held_s: float = 0.0
    started_s: float = 0.0
    ended_s: float = 0.0
    written: dict[str, list[str]] = field(default_factory=dict)
    frames_by_feed: dict[str, int] = field(default_factory=dict)
    #: Play stopped early: a stage ended.
    stopped: bool = False
    #: The largest lag a group of the stages had (entries, ms) and where (filled in by the run).
    lag_entries: int = 0
    lag_ms: int = 0
    lag_at: str = ""

    @property
    def items(self) -> int:
        return self.frames + self.entries

    @property
    def elapsed_s(self) -> float:
        return max(1e-9, self.ended_s - self.started_s)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _id(value: str) -> tuple[int, int]:
    ms, _, seq = value.partition("-")
    return int(ms), int(seq or 0)


async def _taken(redis: Any, stream: str, entry_id: str, ignored: set[str]) -> bool:
    """Every group of ``stream`` (but ``ignored``) has been delivered ``entry_id`` and has nothing pending."""
    wanted = _id(entry_id)
    for group in await redis.xinfo_groups(stream):
        if _text(group["name"]) in ignored:
            continue
        if _id(_text(group["last-delivered-id"])) < wanted or int(group["pending"]) > 0:
            return False
    return True


class Player:
    def __init__(self, redis: Any, venue: Venue, ignored_groups: set[str] | None = None,
                 alive: Callable[[], bool] = lambda: True) -> None:  # fmt: skip
        self._redis = redis
        self._venue = venue
        self._ignored = ignored_groups or set()
        #: False once a stage has ended: nothing more is played (nor waited for).
        self._alive = alive
        self.report = PlayReport()

    async def _book_fills(self) -> None:
        """The stand-in ledger: take every fill written back so far (read and ack)."""
        reply = await self._redis.xreadgroup("ledger", LEDGER_INSTANCE, {streams.FILLS: ">"}, count=1_000)
        for _stream, rows in reply or ():
            if rows:
                await self._redis.xack(streams.FILLS, "ledger", *[i for i, _ in rows])

    async def _feeds_caught_up(self) -> None:
        """Every frame sent so far handled by its feed (it keeps each on ``raw.<feed>`` once handled):
        a window's record or its end reaches feed-book after the frames recorded before it, as then."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        for feed, sent in self.report.frames_by_feed.items():
            while await self._redis.xlen(streams.raw(feed)) < sent:
                if loop.time() > started + BARRIER_WAIT_S or not self._alive():
                    self.report.barrier_timeouts += 1
                    return
                await asyncio.sleep(BARRIER_POLL_S)
        self.report.held_s += loop.time() - started

    async def _write(self, entry: Entry) -> None:
        if entry.stream == streams.MARKETS:
            await self._feeds_caught_up()
        entry_id = _text(await self._redis.xadd(entry.stream, entry.fields))
        self.report.written.setdefault(entry.stream, []).append(entry_id)
        if entry.stream == streams.FILLS:
            await self._book_fills()
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            while not await _taken(self._redis, entry.stream, entry_id, self._ignored):
                if loop.time() > started + BARRIER_WAIT_S or not self._alive():
                    self.report.barrier_timeouts += 1
                    return
                await asyncio.sleep(BARRIER_POLL_S)
        finally:
            self.report.held_s += loop.time() - started

    async def ledger_alive(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            pipe = self._redis.pipeline(transaction=True)
            pipe.hset(health.key(LEDGER_INSTANCE), mapping={"worker": "ledger", "instance": LEDGER_INSTANCE,
                                                            "state": "running", "ts_ms": int(time.time() * 1000)})
            pipe.pexpire(health.key(LEDGER_INSTANCE), LEDGER_TTL_MS)
            await pipe.execute()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LEDGER_BEAT_S)

    async def prepare(self) -> None:
        with contextlib.suppress(Exception):  # BUSYGROUP: made already
            await self._redis.xgroup_create(streams.FILLS, "ledger", id="$", mkstream=True)

    async def play(self, timeline: list[Item], speed: float) -> PlayReport:
        report = self.report
        if not timeline:
            return report
        first = first_frame_ms(timeline)
        start = time.perf_counter()
        report.started_s = start
        for item in timeline:
            if not self._alive():
                report.stopped = True
                break
            due = start + due_s(item.recorded_ms, first, speed)
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                report.max_behind_s = max(report.max_behind_s, -wait)
            if isinstance(item.what, Frame):
                await self._venue.send(item.what)
                report.frames += 1
                report.frames_by_feed[item.what.feed] = report.frames_by_feed.get(item.what.feed, 0) + 1
            else:
                await self._write(item.what)
                report.entries += 1
        report.ended_s = time.perf_counter()
        return report
