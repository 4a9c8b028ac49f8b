"""What a stress run reads from Redis while it runs: every group's lag, and whether the pipeline
has drained."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis

from bench.stress.procs import RECORDER
from common.bus import streams
from common.runner.schedule import schedule_stream

#: How long the stages get, once everything is played, to take and answer all of it.
DRAIN_WAIT_S = 60.0
#: How often the groups' lag is sampled while the recording plays.
LAG_SAMPLE_S = 0.2
#: The schedules the traced stages follow (written before the run, not recorded: the recording has them).
SCHEDULES = schedule_stream("")


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _ms(entry_id: str) -> int:
    return int(entry_id.split("-")[0])


async def group_lags(redis: aioredis.Redis) -> list[tuple[str, str, int, int, int]]:
    """(stream, group, lag entries, lag ms, pending) of every group of every stream; the lag in ms is
    the age of the oldest entry not yet delivered to the group (0 when it has them all)."""
    out = []
    seconds, micros = await redis.time()
    now_ms = seconds * 1000 + micros // 1000
    async for key in redis.scan_iter(_type="stream", count=1_000):
        stream = _text(key)
        try:
            groups = await redis.xinfo_groups(stream)
            newest = _text((await redis.xinfo_stream(stream))["last-generated-id"])
        except aioredis.ResponseError:
            continue
        for g in groups:
            delivered, lag_ms = _text(g["last-delivered-id"]), 0
            if newest != delivered:
                waiting = await redis.xrange(stream, "(" + delivered, "+", count=1)
                lag_ms = max(0, now_ms - _ms(_text(waiting[0][0]))) if waiting else 0
            out.append((stream, _text(g["name"]), int(g.get("lag") or 0), lag_ms, int(g["pending"])))
    return out


class LagWatch:
    """The largest lag of the stages' groups but the ``unwatched`` ones: a stage following the
    recorded order leaves what came on its other streams unread until its recorded turn (seconds
    at 1x), which is its schedule, not a failure to keep up; its pace shows in the player's."""

    def __init__(self, unwatched: frozenset[str] = frozenset()) -> None:
        self.entries, self.ms, self.at = 0, 0, ""
        self._unwatched = unwatched

    async def run(self, redis: aioredis.Redis, stop: asyncio.Event) -> None:
        while not stop.is_set():
            for stream, group, entries, ms, _ in await group_lags(redis):
                if group in self._unwatched:
                    continue
                if group != RECORDER and (ms, entries) > (self.ms, self.entries):
                    self.entries, self.ms, self.at = entries, ms, f"{group} on {stream}"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LAG_SAMPLE_S)


async def drained(redis: aioredis.Redis, sent: dict[str, int], alive: Callable[[], bool]) -> list[str]:
    """Wait until the feeds received every frame sent, every group took everything, and the recorder
    was given every entry of every stream (it acks at its next flush, or as it stops); what is left
    (at once once a stage has ended: it will take nothing more)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_WAIT_S
    while True:
        left = [f"{feed} feed received {await redis.xlen(streams.raw(feed))} of {n} frames"
                for feed, n in sent.items() if await redis.xlen(streams.raw(feed)) < n]  # fmt: skip
        lags = await group_lags(redis)
        left += [f"group {g} on {s}: {lag} not delivered, {pending} pending" for s, g, lag, _, pending in lags
                 if lag or (pending and g != RECORDER)]  # fmt: skip
        recorded = {s for s, g, *_ in lags if g == RECORDER}
        left += [f"the recorder does not read {s} yet" async for s in _streams(redis)
                 if s not in recorded and not s.startswith(SCHEDULES)]  # fmt: skip
        if not left or loop.time() > deadline or not alive():
            return left
        await asyncio.sleep(0.1)


async def _streams(redis: aioredis.Redis) -> Any:
    async for key in redis.scan_iter(_type="stream", count=1_000):
        yield _text(key)
