"""The executor's loops that need the venue only, never Redis: heartbeats, replans, the venue's time.

They run as tasks of their own beside the timer (``upkeep``), for the life of the worker: a Redis
outage fails the timer's reads (the runner backs off and starts the timer again) but leaves these
running, so the venue keeps hearing our heartbeat (its dead-man cancels everything 10 s after the
last one) and the orders of an intent gone stale are cancelled while no new intent can arrive (a
window that closes during the outage is one: its quoter stops renewing the intent). Each replan's
requests leave before its reports are written to Redis, so a failed write loses reports only.

Time: beats are scheduled on the monotonic clock; a wall-clock step is logged, and the offset to the
venue's clock (which signs our requests) read again then and every ``server_time_resync_s``.
"""

from __future__ import annotations

import asyncio
import contextlib

from redis.exceptions import RedisError

from common.clob.client import HeartbeatMismatch
from common.clock import ClockWatch
from common.retry import Backoff
from workers.executor.driver import Driver

#: How often the heartbeat loop looks whether a beat is due.
HEARTBEAT_POLL_S = 0.05
#: A failing heartbeat is retried at most this long after (the venue cancels after 10 s).
HEARTBEAT_RETRY_MAX_MS = 1_000
#: What a write to Redis raises while it is away (the requests of the step have left by then).
REDIS_DOWN = (RedisError, ConnectionError, OSError)


class Keepalive:
    def __init__(self, driver: Driver) -> None:
        self.d = driver
        settings = driver.ctx.settings.executor
        self._resync_ms = settings.server_time_resync_s * 1000
        self._clock = ClockWatch(driver.ctx.clock, settings.clock_step_threshold_ms)
        self._synced_ms = driver.mono()
        self._hb_backoff = Backoff(driver.cfg.backoff_initial_ms, HEARTBEAT_RETRY_MAX_MS)
        self._redis_down = False
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start the loops not running (a restart of the timer finds them still running)."""
        if not self.tasks or any(t.done() for t in self.tasks):
            for task in self.tasks:
                task.cancel()
            self.tasks = [asyncio.create_task(self.heartbeats(), name="heartbeats"),
                          asyncio.create_task(self.replans(), name="replans")]  # fmt: skip

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.tasks = []

    # -- heartbeat --------------------------------------------------------------------------------

    async def heartbeats(self) -> None:
        d = self.d
        while not d.ctx.stopping.is_set():
            if d.core.heartbeat.due(d.mono()):
                await self.beat()
            await d.ctx.sleep(HEARTBEAT_POLL_S)

    async def beat(self) -> None:
        """One beat, always settled: answered, refused, failed, timed out, or abandoned if cancelled."""
        d = self.d
        hb = d.core.heartbeat
        prev = hb.sending(d.mono())
        try:
            next_id = await asyncio.wait_for(d.gateway.heartbeat(prev), d.cfg.heartbeat_answer_timeout_ms / 1000)
        except HeartbeatMismatch as exc:
            hb.on_mismatch(exc.expected_id, d.mono())
            d.ctx.log.warning("heartbeat_resync", lapsed=not exc.expected_id)
        except asyncio.CancelledError:
            hb.abandoned(d.mono())
            raise
        except Exception as exc:
            retry_ms = int(self._hb_backoff.next_delay_s() * 1000)
            hb.on_error(d.mono(), retry_ms)
            d.meters.request_error("heartbeat")
            d.ctx.log.warning("heartbeat_failed", error=repr(exc), failures=hb.failures, retry_in_ms=retry_ms)
        else:
            hb.on_ok(next_id, d.mono())
            self._hb_backoff.reset()
        d.wake.set()

    # -- replans ----------------------------------------------------------------------------------

    async def replans(self) -> None:
        """Replan every market on the timer and at every wake-up (answers free slots, tokens refill)."""
        d = self.d
        while not (d.ctx.stopping.is_set() or d.stopping):
            d.wake.clear()  # before the turn: a wake-up during it is not lost
            await self.turn()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(d.wake.wait(), timeout=d.tick_s)

    async def turn(self) -> None:
        """Replan (stale intents' orders are cancelled here), watch the clock, re-read the venue's time."""
        d = self.d
        try:
            await d.execute(d.core.replan_all(d.now()))
        except REDIS_DOWN as exc:
            if not self._redis_down:
                d.ctx.log.warning("replan_reports_unwritten", error=repr(exc))
            self._redis_down = True
        else:
            self._redis_down = False
        step_ms = self._clock.step_ms()
        if step_ms:
            d.ctx.log.warning("clock_step", step_ms=step_ms)
        if step_ms or d.mono() - self._synced_ms >= self._resync_ms:
            self._synced_ms = d.mono()
            d.spawn(self.sync_time())  # a slow answer must not hold the replans back

    async def sync_time(self) -> None:
        d = self.d
        try:
            offset_s = await d.gateway.sync_time()
        except Exception as exc:
            d.meters.request_error("read")
            d.ctx.log.warning("server_time_unread", error=repr(exc))
            return
        d.ctx.log.info("server_time_synced", offset_s=offset_s)
