"""The executor's timer: the user-feed guard, reconciliation, status, stop.

Heartbeats and replans run beside it in loops of their own that need no Redis (``keepalive``),
started once and kept through every restart of the timer: a slow reconciliation never delays a
beat, and a Redis outage (which fails the timer's reads) stops neither. Each ``timer_tick``: check
the user feed in ``state:feeds`` (never seen up since start, or down or missing longer than
``USER_FEED_GRACE_MS``: nothing new is placed, cancels still go out); reconcile when the core asks
(on start, after a lapsed chain, while a market is quarantined), when an unknown submit outlived
its grace, and every ``RECONCILE_INTERVAL_MS``; publish the status and the latency summary.
"""

from __future__ import annotations

import asyncio
import contextlib

from common import state
from common.bus import streams
from common.ops import alerts
from common.schemas.feed import FeedStatus
from workers.executor.core import OrderState
from workers.executor.driver import Driver
from workers.executor.keepalive import Keepalive

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
#: How long a stop waits for posts in flight before cancelling everything.
STOP_WAIT_POSTS_S = 2.0
#: The share of the runner's stop budget the final cancel-all may use, in ms.
STOP_CANCEL_BUDGET_MS = 4_000
#: The stop's cancel-all is retried until STOP_CANCEL_BUDGET_MS runs out; this only bounds the count.
STOP_CANCEL_MAX_ATTEMPTS = 1_000
#: The longest pause between two tries of the stop's cancel-all: the usual backoff grows to seconds,
#: and with full jitter eight 429s in a row would wait out the stop budget before the ninth try.
STOP_CANCEL_BACKOFF_MAX_MS = 400


class Upkeep:
    def __init__(self, driver: Driver, *, watch_user_feed: bool, user_feed: str = "user") -> None:
        self.d = driver
        self.watch_user_feed = watch_user_feed
        #: The feed in ``state:feeds`` that carries our key's events (``user:<instance>`` scaled out).
        self.user_feed = user_feed
        driver.blind = watch_user_feed  # until the first look at state:feeds says otherwise
        self.keepalive = Keepalive(driver)
        self._user_missing_since: int | None = driver.now()
        self._user_seen_up = False
        # The timer's own intervals count on the monotonic clock (a wall-clock step must not stall
        # them); what others stamped (the feed's since_ms, orders' sent_ms) on the wall clock.
        mono = driver.mono()
        self._feed_checked_ms = mono - FEED_CHECK_INTERVAL_MS
        self._reconciled_ms = mono - RECONCILE_MIN_INTERVAL_MS
        self._status_ms = mono
        self._status_key: tuple[object, ...] | None = None
        #: The heartbeat health and quarantined markets last published (alerts are raised on changes).
        self._heartbeat_seen: str | None = None
        self._quarantine_seen: tuple[str, ...] = ()
        self._restrictions_seen: tuple[str, ...] = ()
        self._latency_ms = mono - LATENCY_WRITE_INTERVAL_MS
        self._forgot_ms = mono

    async def run(self) -> None:
        """The timer, until the stop; a Redis error ends it (the runner starts it again), never the
        keepalive loops; one of those that dies takes the worker down with it."""
        self.keepalive.start()
        timer = asyncio.ensure_future(self._timer())
        try:
            done, _ = await asyncio.wait({timer, *self.keepalive.tasks}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    async def _timer(self) -> None:
        d = self.d
        while not d.ctx.stopping.is_set():
            await self.timer_tick()
            await d.ctx.sleep(d.tick_s)

    async def tick(self) -> None:
        """One turn of the timer and one of the replans (tests and benches step them by hand)."""
        await self.timer_tick()
        await self.keepalive.turn()

    async def timer_tick(self) -> None:
        d, now, mono = self.d, self.d.now(), self.d.mono()
        hb = d.core.heartbeat
        if self.watch_user_feed and mono - self._feed_checked_ms >= FEED_CHECK_INTERVAL_MS:
            self._feed_checked_ms = mono
            await self._check_user_feed(now)
        if self._should_reconcile(now):
            await self.reconcile()
        await self._status(now)
        if mono - self._latency_ms >= LATENCY_WRITE_INTERVAL_MS:
            self._latency_ms = mono
            await d.latency.write(d.ctx.redis)
        if mono - self._forgot_ms >= FORGET_INTERVAL_MS:
            self._forgot_ms = mono
            d.core.forget(now - FORGET_AFTER_MS)
        budget, local = d.core.budget, d.core.local_ms(now)
        d.meters.order_tokens.set(budget.orders.available(local))
        d.meters.cancel_tokens.set(budget.cancels.available(local))
        d.meters.orders_used.set(1 - budget.orders.available(local) * 1000 / budget.orders.burst_milli)
        d.meters.cancels_used.set(1 - budget.cancels.available(local) * 1000 / budget.cancels.burst_milli)
        if hb.last_ok_ms is not None:
            d.meters.heartbeat_age.set(local - hb.last_ok_ms)

    # -- the user feed ----------------------------------------------------------------------------

    async def _check_user_feed(self, now: int) -> None:
        d = self.d
        status = await state.get(d.ctx.redis, state.FEEDS, self.user_feed, FeedStatus)
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
        core, since_ms = self.d.core, self.d.mono() - self._reconciled_ms
        if since_ms < RECONCILE_MIN_INTERVAL_MS:
            return False
        if core.needs_reconcile or since_ms >= RECONCILE_INTERVAL_MS:
            return True
        grace = core.cfg.unknown_grace_ms
        return any(o.state is OrderState.UNKNOWN and (o.sent_ms or o.created_ms) + grace <= now for o in core.tracker)

    async def reconcile(self) -> None:
        """Venue snapshot → ``on_reconcile``; no post is in flight or sent while it is taken."""
        d = self.d
        self._reconciled_ms = d.mono()
        d.reconciling = True
        try:
            await d.wait_posts(d.cfg.heartbeat_venue_timeout_ms / 1000)
            snapshot_ms = d.now()
            # Cancels keep going out while the snapshot is read: an order cancelled meanwhile may
            # still be in it, and is not a disagreement.
            live = d.core.live_ids()
            try:
                open_orders, trades = await d.gateway.snapshot(snapshot_ms // 1000 - TRADES_LOOKBACK_S)
            except Exception as exc:
                d.meters.request_error("read")
                d.ctx.log.warning("reconcile_failed", error=repr(exc))
                return
            step = d.core.on_reconcile(open_orders, trades, snapshot_ms, live_at_snapshot=live)
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
               status.quarantined_markets, status.intents_dropped, status.venue_restrictions)  # fmt: skip
        mono = d.mono()
        if not force and key == self._status_key and mono - self._status_ms < STATUS_INTERVAL_MS:
            return
        self._status_key, self._status_ms = key, mono
        pipe = d.ctx.redis.pipeline(transaction=False)
        pipe.xadd(streams.EXEC, d.ctx.writer.fields(status, key="status"))
        state.put(pipe, EXEC_STATE_KEY, "status", status)
        if d.ctx.leases is not None:  # scaled out: "status" is the latest instance's; each has its own
            state.put(pipe, EXEC_STATE_KEY, f"status:{d.ctx.instance}", status)
        me = d.ctx.instance
        raised = [alerts.heartbeat(self._heartbeat_seen, status.heartbeat, me, now),
                  *alerts.quarantined(self._quarantine_seen, d.core.quarantined, me, now),
                  *alerts.venue_restricted(self._restrictions_seen, status.venue_restrictions, me, now)]  # fmt: skip
        self._heartbeat_seen, self._quarantine_seen = status.heartbeat, status.quarantined_markets
        self._restrictions_seen = status.venue_restrictions
        for alert in raised:
            if alert is not None:
                alerts.add(pipe, d.ctx.writer.fields(alert, key=alert.kind))
        await pipe.execute()

    # -- stop -------------------------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Cancel every order we own (one cancel-all, whatever the budget), within the stop budget."""
        d = self.d
        d.stopping = True  # the replans stop; the heartbeats go on until the cancel-all is answered
        d.core.shutdown(d.now())
        try:
            await d.wait_posts(STOP_WAIT_POSTS_S)
            deadline = d.now() + STOP_CANCEL_BUDGET_MS
            ids = [o.order_id for o in d.core.tracker if o.maybe_live]
            # Retried until the stop budget runs out, not for the usual few attempts: a burst of
            # 429s at the stop (seen in a chaos soak) must not leave our orders resting.
            result = await d.request("cancel", d.gateway.cancel_all, ids, deadline_ms=deadline,
                                     max_attempts=STOP_CANCEL_MAX_ATTEMPTS,
                                     backoff_max_ms=STOP_CANCEL_BACKOFF_MAX_MS)  # fmt: skip
        finally:
            await self.keepalive.stop()
        if result is not None:
            await d.publish(d.core.on_cancel_result(result, d.now()))
        d.ctx.log.warning("stopped_trading", cancelled=len(result.canceled) if result else None)
        await d.wait_all(0.5)
        await self._status(d.now(), force=True)
        await d.latency.write(d.ctx.redis)
