"""The executor's timer: the user-feed guard, reconciliation, replans, status, stop; and heartbeats.

Heartbeats run in their own loop beside the timer (armed before the first order; the core places
nothing while they are late), so that a slow reconciliation never delays a beat. Each ``tick``:
check the user feed in ``state:feeds`` (never seen up since start, or down or missing longer than
``USER_FEED_GRACE_MS``: nothing new is placed, cancels still go out); reconcile when the core asks
(on start, after a lapsed chain, while a market is quarantined), when an unknown submit outlived
its grace, and every ``RECONCILE_INTERVAL_MS``; replan every market (tokens refill, intents go
stale); publish the status and the latency summary.
"""

from __future__ import annotations

import asyncio
import contextlib

from common import state
from common.bus import streams
from common.clob.client import HeartbeatMismatch
from common.retry import Backoff
from common.schemas.feed import FeedStatus
from workers.executor.core import OrderState
from workers.executor.driver import Driver

#: Redis hash of the executor's latest ``ExecStatus`` (field ``status``).
EXEC_STATE_KEY = "state:exec"
#: The user feed may be down or missing this long before placing stops (reconnects are shorter).
USER_FEED_GRACE_MS = 3_000
#: How often ``state:feeds`` is read.
FEED_CHECK_INTERVAL_MS = 250
#: Unknown submits are looked up on the venue at most this often.
RECONCILE_MIN_INTERVAL_MS = 1_000
#: A full reconciliation this often even when all looks well (strays, missed events).
RECONCILE_INTERVAL_MS = 30_000
#: Trades this old are read at a reconciliation (older ones prove nothing about live orders).
TRADES_LOOKBACK_S = 600
#: A status is published at least this often, and on every change.
STATUS_INTERVAL_MS = 5_000
#: Latency summary written this often.
LATENCY_WRITE_INTERVAL_MS = 1_000
#: Ended orders older than this are forgotten, checked every ``FORGET_INTERVAL_MS``.
FORGET_AFTER_MS = 600_000
FORGET_INTERVAL_MS = 60_000
#: A failing heartbeat is retried at most this long after (the venue cancels after 10 s).
HEARTBEAT_RETRY_MAX_MS = 1_000
#: How often the heartbeat loop looks whether a beat is due.
HEARTBEAT_POLL_S = 0.05
#: How long a stop waits for posts in flight before cancelling everything.
STOP_WAIT_POSTS_S = 2.0
#: The share of the runner's stop budget the final cancel-all may use, in ms.
STOP_CANCEL_BUDGET_MS = 4_000


class Upkeep:
    def __init__(self, driver: Driver, *, watch_user_feed: bool) -> None:
        self.d = driver
        self.watch_user_feed = watch_user_feed
        driver.blind = watch_user_feed  # until the first look at state:feeds says otherwise
        now = driver.now()
        self._hb_backoff = Backoff(driver.cfg.backoff_initial_ms, HEARTBEAT_RETRY_MAX_MS)
        self._feed_checked_ms = 0
        self._user_missing_since: int | None = now
        self._user_seen_up = False
        self._reconciled_ms = 0
        self._status_ms = 0
        self._status_key: tuple[object, ...] | None = None
        self._latency_ms = 0
        self._forgot_ms = now

    async def run(self) -> None:
        """The timer, and beside it the heartbeat loop (so that a long reconciliation never delays a beat)."""
        d = self.d
        beats = asyncio.create_task(self.heartbeats())
        try:
            while not d.ctx.stopping.is_set():
                d.wake.clear()  # before the tick: a wake-up during it is not lost
                await self.tick()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(d.wake.wait(), timeout=d.tick_s)
        finally:
            beats.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beats

    async def tick(self) -> None:
        d, now = self.d, self.d.now()
        hb = d.core.heartbeat
        if self.watch_user_feed and now - self._feed_checked_ms >= FEED_CHECK_INTERVAL_MS:
            await self._check_user_feed(now)
        if self._should_reconcile(now):
            await self.reconcile()
        await d.execute(d.core.replan_all(d.now()))
        await self._status(now)
        if now - self._latency_ms >= LATENCY_WRITE_INTERVAL_MS:
            self._latency_ms = now
            await d.latency.write(d.ctx.redis)
        if now - self._forgot_ms >= FORGET_INTERVAL_MS:
            self._forgot_ms = now
            d.core.forget(now - FORGET_AFTER_MS)
        budget = d.core.budget
        d.meters.order_tokens.set(budget.orders.available(now))
        d.meters.cancel_tokens.set(budget.cancels.available(now))
        d.meters.orders_used.set(1 - budget.orders.available(now) * 1000 / budget.orders.burst_milli)
        d.meters.cancels_used.set(1 - budget.cancels.available(now) * 1000 / budget.cancels.burst_milli)
        if hb.last_ok_ms is not None:
            d.meters.heartbeat_age.set(now - hb.last_ok_ms)

    # -- heartbeat --------------------------------------------------------------------------------

    async def heartbeats(self) -> None:
        d = self.d
        while not d.ctx.stopping.is_set():
            if d.core.heartbeat.due(d.now()):
                await self.beat()
            await d.ctx.sleep(HEARTBEAT_POLL_S)

    async def beat(self) -> None:
        d = self.d
        hb = d.core.heartbeat
        prev = hb.sending()
        try:
            next_id = await d.gateway.heartbeat(prev)
        except HeartbeatMismatch as exc:
            hb.on_mismatch(exc.expected_id, d.now())
            d.ctx.log.warning("heartbeat_resync", lapsed=not exc.expected_id)
        except Exception as exc:
            retry_ms = int(self._hb_backoff.next_delay_s() * 1000)
            hb.on_error(d.now(), retry_ms)
            d.meters.request_error("heartbeat")
            d.ctx.log.warning("heartbeat_failed", error=repr(exc), failures=hb.failures, retry_in_ms=retry_ms)
        else:
            hb.on_ok(next_id, d.now())
            self._hb_backoff.reset()
        d.wake.set()

    # -- the user feed ----------------------------------------------------------------------------

    async def _check_user_feed(self, now: int) -> None:
        d = self.d
        self._feed_checked_ms = now
        status = await state.get(d.ctx.redis, state.FEEDS, "user", FeedStatus)
        if status is not None and status.state == "up":
            self._user_missing_since = None
        elif status is not None:
            self._user_missing_since = status.since_ms
        elif self._user_missing_since is None:
            self._user_missing_since = now
        seen = self._user_seen_up = self._user_seen_up or self._user_missing_since is None
        # Never seen up since start: blind at once (nothing could resolve an unknown submit).
        gone = self._user_missing_since is not None and now - self._user_missing_since >= USER_FEED_GRACE_MS
        blind = not seen or gone
        if blind != d.blind:
            d.ctx.log.warning("user_feed_blind" if blind else "user_feed_back",
                              feed=status.state if status else "missing")  # fmt: skip
            d.blind = blind
            d.meters.blind.set(1 if blind else 0)

    # -- reconciliation ---------------------------------------------------------------------------

    def _should_reconcile(self, now: int) -> bool:
        core = self.d.core
        if now - self._reconciled_ms < RECONCILE_MIN_INTERVAL_MS:
            return False
        if core.needs_reconcile or now - self._reconciled_ms >= RECONCILE_INTERVAL_MS:
            return True
        grace = core.cfg.unknown_grace_ms
        return any(o.state is OrderState.UNKNOWN and (o.sent_ms or o.created_ms) + grace <= now for o in core.tracker)

    async def reconcile(self) -> None:
        """Venue snapshot → ``on_reconcile``; no post is in flight or sent while it is taken."""
        d = self.d
        self._reconciled_ms = d.now()
        d.reconciling = True
        try:
            await d.wait_posts(d.cfg.heartbeat_venue_timeout_ms / 1000)
            snapshot_ms = d.now()
            try:
                open_orders, trades = await d.gateway.snapshot(snapshot_ms // 1000 - TRADES_LOOKBACK_S)
            except Exception as exc:
                d.meters.request_error("read")
                d.ctx.log.warning("reconcile_failed", error=repr(exc))
                return
            step = d.core.on_reconcile(open_orders, trades, snapshot_ms)
            cancels = len(step.cancel_ids) + len(step.cancel_markets)
            d.ctx.log.info("reconciled", open_orders=len(open_orders), trades=len(trades), cancels=cancels,
                           reports=len(step.reports))  # fmt: skip
            # Strays and quarantined markets are cancelled (answers awaited) before anything is placed
            # beside them: the step's places are dropped here and planned again just below.
            await d.execute(step, cancels_first=True)
        finally:
            d.reconciling = False
        await d.execute(d.core.replan_all(d.now()))

    # -- status -----------------------------------------------------------------------------------

    async def _status(self, now: int, force: bool = False) -> None:
        d = self.d
        status = d.core.status(now)
        if d.blind and status.can_place:
            status = status.model_copy(update={"can_place": False})
        key = (status.mode, status.heartbeat, status.can_place, status.live_orders, status.unknown_orders,
               status.quarantined_markets, status.intents_dropped)  # fmt: skip
        if not force and key == self._status_key and now - self._status_ms < STATUS_INTERVAL_MS:
            return
        self._status_key, self._status_ms = key, now
        pipe = d.ctx.redis.pipeline(transaction=False)
        pipe.xadd(streams.EXEC, d.ctx.writer.fields(status, key="status"))
        state.put(pipe, EXEC_STATE_KEY, "status", status)
        await pipe.execute()

    # -- stop -------------------------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Cancel every order we own (one cancel-all, whatever the budget), within the stop budget."""
        d = self.d
        d.stopping = True
        d.core.shutdown(d.now())
        await d.wait_posts(STOP_WAIT_POSTS_S)
        deadline = d.now() + STOP_CANCEL_BUDGET_MS
        ids = [o.order_id for o in d.core.tracker if o.maybe_live]
        result = await d.request("cancel", d.gateway.cancel_all, ids, deadline_ms=deadline)
        if result is not None:
            await d.publish(d.core.on_cancel_result(result, d.now()))
        d.ctx.log.warning("stopped_trading", cancelled=len(result.canceled) if result else None)
        await d.wait_all(0.5)
        await self._status(d.now(), force=True)
        await d.latency.write(d.ctx.redis)
