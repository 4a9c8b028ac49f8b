"""The user feed's writes to Redis, kept through Redis outages.

A Redis error while writing a frame's fills neither drops them nor tears the socket down: the feed
says it is down (``cannot publish: ...``, through the feeds' shared ``FeedReport``: at once on
``updown_feed_up``, on ``feeds`` and ``state:feeds`` as soon as Redis answers), retries with
backoff until Redis takes every write, then says it is up again with the gap.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

from common.bus.batcher import UNWRITABLE
from common.config.settings import RedisSettings
from common.retry import Backoff
from workers.feeds import FeedReport

#: One write to Redis; may run again after a failure, so it must be idempotent or harmless twice.
Step = Callable[[], Awaitable[object]]
#: Sleeps unless the worker stops; False when stopping.
Sleep = Callable[[float], Awaitable[bool]]


class Publisher:
    """Runs a frame's writes in order, each until Redis takes it (or the worker stops)."""

    def __init__(self, report: FeedReport, sleep: Sleep, cfg: RedisSettings) -> None:
        self.report = report
        self._sleep = sleep
        self._cfg = cfg
        #: Held from a dedupe decision to the end of its writes: a fill the dedupe let through is in
        #: Redis before anyone else (the backfill and its cursor) looks.
        self.lock = asyncio.Lock()

    async def run(self, steps: Sequence[Step]) -> bool:
        """True once every step went through; False if the worker stopped first."""
        backoff = Backoff(self._cfg.reconnect_initial_ms, self._cfg.reconnect_max_ms)
        failed = False
        done = 0
        while done < len(steps):
            try:
                await steps[done]()
                done += 1
            except UNWRITABLE as exc:
                failed = True
                self.report.failing(f"cannot publish: {exc!r}"[:300])
                await self.flush()  # says "down" as soon as Redis answers
                if not await self._sleep(backoff.next_delay_s()):
                    return False
        if failed:
            self.report.resumed()
        if failed or self.report.owes:
            await self.flush()
        return True

    async def flush(self) -> None:
        """Write the statuses owed; with Redis still away they wait for the next call."""
        with contextlib.suppress(*UNWRITABLE):
            await self.report.report()
