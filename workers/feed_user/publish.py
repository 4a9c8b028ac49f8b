"""The user feed's writes to Redis, kept through Redis errors, and its one up/down status.

A Redis error while publishing a frame's fills neither drops them nor tears the socket down: the
feed reports itself down (``cannot publish: ...``), retries with backoff until Redis takes every
write, then reports itself up with the gap. Its status has two causes, the socket (the link's
reports) and publishing: it is up only when both are. A status that cannot be written (Redis is
away) is written at the next chance, so the outage shows on ``feeds`` once Redis is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

from redis.exceptions import RedisError

from common.clock import Clock
from common.config.settings import RedisSettings
from common.logs import Log
from common.retry import Backoff
from common.schemas.feed import FeedStatus

#: What a write to Redis raises when Redis is away, refuses (OOM, READONLY, LOADING) or times out.
REDIS_ERRORS = (RedisError, OSError)

Report = Callable[[FeedStatus], Awaitable[None]]
#: One write to Redis; may run again after a failure, so it must be idempotent or harmless twice.
Step = Callable[[], Awaitable[object]]
#: Sleeps unless the worker stops; False when stopping.
Sleep = Callable[[float], Awaitable[bool]]


class FeedHealth:
    """The feed's status from the socket's and the publisher's; writes each change once."""

    def __init__(self, feed: str, report: Report, clock: Clock, log: Log) -> None:
        self.feed = feed
        self._report = report
        self._clock = clock
        self._log = log
        self._socket: FeedStatus | None = None
        self._publishing: FeedStatus | None = None
        #: The first down of the outage under way, written or not yet.
        self._outage: FeedStatus | None = None
        self._written: Literal["up", "down", ""] = ""

    @property
    def up(self) -> bool:
        return self._written == "up" and self._outage is None

    def current(self) -> FeedStatus | None:
        return self._publishing or self._socket

    async def on_link(self, status: FeedStatus) -> None:
        self._socket = status
        await self.flush()

    async def publish_failed(self, error: BaseException) -> None:
        if self._publishing is None:
            self._publishing = FeedStatus(feed=self.feed, state="down", since_ms=self._clock.now_ms(),
                                          reason=f"cannot publish: {error!r}"[:300])  # fmt: skip
        await self.flush()

    async def publish_ok(self) -> None:
        if self._publishing is not None:
            self._publishing = None
            await self.flush()

    async def flush(self) -> None:
        """Write what changed since the last write; a Redis error leaves it for the next call."""
        want = self.current()
        if want is None:
            return
        try:
            if want.state == "down":
                self._outage = self._outage or want
                await self._write_outage()
            elif self._outage is not None:
                await self._write_outage()
                now = self._clock.now_ms()
                await self._report(FeedStatus(feed=self.feed, state="up", since_ms=now,
                                              gap_ms=now - self._outage.since_ms))  # fmt: skip
                self._written, self._outage = "up", None
            elif self._written != "up":
                await self._report(want)
                self._written = "up"
        except REDIS_ERRORS as exc:
            self._log.warning("feed_status_unwritten", feed=self.feed, state=want.state, error=repr(exc)[:300])

    async def _write_outage(self) -> None:
        if self._written != "down" and self._outage is not None:
            await self._report(self._outage)
            self._written = "down"


class Publisher:
    """Runs a frame's writes in order, each until Redis takes it (or the worker stops)."""

    def __init__(self, health: FeedHealth, sleep: Sleep, cfg: RedisSettings) -> None:
        self.health = health
        self._sleep = sleep
        self._cfg = cfg
        #: Held from a dedupe decision to the end of its writes: a fill the dedupe let through is in
        #: Redis before anyone else (the backfill and its cursor) looks.
        self.lock = asyncio.Lock()

    async def run(self, steps: Sequence[Step]) -> bool:
        """True once every step went through; False if the worker stopped first."""
        backoff = Backoff(self._cfg.reconnect_initial_ms, self._cfg.reconnect_max_ms)
        done = 0
        while done < len(steps):
            try:
                await steps[done]()
                done += 1
            except REDIS_ERRORS as exc:
                await self.health.publish_failed(exc)
                if not await self._sleep(backoff.next_delay_s()):
                    return False
        await self.health.publish_ok()
        return True
