"""The executor's loop around ``ExecutorCore``: sign, record, send, feed every answer back.

Every ``PlaceSpec`` of a step is signed and its hash recorded (``record_submitting``) before the
first await, so no other task can plan the same slot again; then every request goes out as its own
task, cancels first, and the caller does not wait for answers. Retries follow ``decide``: a submit
whose outcome is unknown is resolved by hash (user feed, reconciliation), never sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from common.bus import streams
from common.bus.envelope import Envelope
from common.clob.client import Sent
from common.errors import RateLimited, UnknownOutcome, UpdownError, VenueBusy
from common.retry import Backoff
from common.runner import Context
from common.schemas.exec import ExecReport
from common.schemas.intent import Intent
from common.schemas.user import Fill, OrderEvent
from workers.executor.core import ExecutorCore, OrderState, PlaceSpec, Step, decide
from workers.executor.core.modes import Mode
from workers.executor.gateway import Gateway, VenueEvent
from workers.executor.latency import Latency, now_ms_float
from workers.executor.meters import Meters
from workers.executor.outputs import excess_up_micro, publish_reports

T = TypeVar("T")
Prepared = list[tuple[PlaceSpec, str, Any]]


class Driver:
    def __init__(self, ctx: Context, core: ExecutorCore, gateway: Gateway, *, tick_s: float) -> None:
        self.ctx = ctx
        self.core = core
        self.gateway = gateway
        self.cfg = core.cfg
        self.latency = Latency(ctx.name)
        self.meters = Meters(ctx.name)
        self.tick_s = tick_s
        #: True while the user feed is down (set by the upkeep): nothing new is placed.
        self.blind = False
        #: True while a venue snapshot is taken: an answer landing meanwhile would be misjudged.
        self.reconciling = False
        self.stopping = False
        self.closed_markets: set[str] = set()
        self.wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._posts: set[asyncio.Task[None]] = set()
        #: Order events that arrived while their POST was still in flight.
        self._early: dict[str, list[OrderEvent]] = {}
        self._submit_backoff = Backoff(self.cfg.backoff_initial_ms, self.cfg.backoff_max_ms)
        #: Series being taken over (scaled out): their intents wait until the previous owners'
        #: orders are swept (``handover``).
        self.handovers: dict[str, asyncio.Event] = {}
        #: The series of each market an intent came for (what a lost series takes away).
        self.series_of: dict[str, str] = {}

    def now(self) -> int:
        """The wall clock: what intents, reports and the venue's stamps are compared with."""
        return self.ctx.clock.now_ms()

    def mono(self) -> int:
        """The monotonic clock (ms): what the heartbeat and the rate budget count in."""
        return self.ctx.clock.monotonic_ms()

    # -- inputs -----------------------------------------------------------------------------------

    async def on_intent(self, env: Envelope) -> None:
        intent = env.body
        assert isinstance(intent, Intent)
        gate = self.handovers.get(intent.series)
        if gate is not None:
            await gate.wait()
        if intent.condition_id in self.closed_markets or self.stopping:
            return
        self.series_of[intent.condition_id] = intent.series
        reducing = "REDUCE_ONLY" in (self.core.mode, intent.mode)
        excess_up = await excess_up_micro(self.ctx.redis, intent.condition_id) if reducing else None
        step = self.core.on_intent(intent, self.now(), excess_up_micro=excess_up, tick_ms=env.ingest_ms)
        await self.execute(step, on_intent=True)
        # The tick is when our feed received the event behind this decision (envelope ingest_ms):
        # the venue's own stamp of it can lag its publication (Chainlink by a second or more), and
        # that lag is the feed's (updown_feed_lag_ms), not the pipeline's. Observed once the
        # orders are on their way: bookkeeping never goes before them.
        self.latency.decision(env.ingest_ms, env.emit_ms)

    async def on_order_event(self, event: OrderEvent) -> None:
        if event.owner != self.gateway.owner:
            return
        order = self.core.tracker.get(event.order_id)
        if order is not None and order.state is OrderState.SUBMITTING:
            # The feed beat the POST's answer: apply it after the answer, so the order is "placed"
            # (with the venue's ack time) rather than "resolved" as if its answer had been lost.
            self._early.setdefault(event.order_id, []).append(event)
            return
        await self.execute(self.core.on_order_event(event, self.now()))

    async def on_window_done(self, market: str) -> None:
        """The window no longer trades: cancel what may rest there and stop planning it."""
        self.closed_markets.add(market)
        self.core.forget_market(market)
        orders = self.core.tracker.of_market(market)
        if orders:
            self.core.tracker.canceling(o.order_id for o in orders)
            await self.execute(Step(cancel_markets=[market]))

    async def on_series_lost(self, series: set[str]) -> None:
        """Another instance owns these series now: stop planning their markets, cancel our orders there."""
        markets = sorted(m for m, s in self.series_of.items() if s in series)
        for market in markets:
            del self.series_of[market]
            self.core.forget_market(market)
            self.core.tracker.canceling(o.order_id for o in self.core.tracker.of_market(market))
        if markets:
            await self.execute(Step(cancel_markets=markets))

    async def set_mode(self, mode: Mode) -> None:
        if mode == "HALTED":
            self.core.shutdown(self.now())  # HALTED, every order of ours marked canceling
            self.spawn(self._cancel_all("halt"))
        else:
            await self.execute(self.core.set_mode(mode, self.now()))

    async def flatten(self) -> None:
        """Pull every order now and keep only reducing orders until the next resume."""
        self.core.shutdown(self.now())
        self.core.mode = "REDUCE_ONLY"
        self.spawn(self._cancel_all("flatten"))

    async def on_venue_events(self, events: list[VenueEvent]) -> None:
        """Paper venue output: publish it in the user feed's schema, and apply our order events."""
        if not events:
            return
        pipe = self.ctx.redis.pipeline(transaction=False)
        for event in events:
            stream = streams.FILLS if isinstance(event, Fill) else streams.ORDERS
            fields = self.ctx.writer.fields(event, key=event.market, event_ms=event.venue_ts_ms,
                                            ingest_ms=event.recv_ts_ms)  # fmt: skip
            pipe.xadd(stream, fields)
        await pipe.execute()
        for event in events:
            if isinstance(event, OrderEvent):
                await self.execute(self.core.on_order_event(event, self.now()))

    # -- a step -----------------------------------------------------------------------------------

    async def execute(self, step: Step, *, cancels_first: bool = False, on_intent: bool = False) -> None:
        """Send a step. ``cancels_first``: wait for the cancels' answers before any post; ``on_intent``:
        the step of an intent just read (its orders' ``tick_to_order_on_intent``)."""
        now = self.now()
        batches = self._prepare(step, now)
        cancels = [self.spawn(self._cancel_market(m)) for m in step.cancel_markets]
        cancels += [self.spawn(self._cancel(ids, step.cancel_moves))
                    for ids in step.cancel_batches(self.cfg.cancel_batch_limit)]
        if cancels_first and cancels:
            await asyncio.wait(cancels)
        for batch in batches:
            task = self.spawn(self._post(batch, on_intent))
            self._posts.add(task)
            task.add_done_callback(self._posts.discard)
        if cancels or batches:
            # Let the requests leave now: on a busy machine each socket write of ours (the input's
            # ack, the next read) can hand the CPU to Redis for a while, and orders come first.
            # Two turns: a request starts in the first; aiohttp writes its bytes from a task of its
            # own, which (before Python 3.12's eager tasks) first runs in the second.
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        await self.publish(step.reports)  # after the requests are on their way: reports can wait

    def _prepare(self, step: Step, now: int) -> list[Prepared]:
        wanted = sum(len(b) for b in step.place_batches)
        if not wanted:
            return []
        if self.stopping or self.blind or self.reconciling:
            self._refund(wanted)  # the core spent tokens on orders that will not go out now
            return []
        out: list[Prepared] = []
        for batch in step.place_batches:
            legs: Prepared = []
            for spec in batch:
                try:
                    order_id, leg = self.gateway.prepare(spec, now)
                    self.core.record_submitting(spec, order_id, now)
                except Exception as exc:  # a spec that cannot be signed is skipped, never half-recorded
                    self._refund(1)
                    self.ctx.log.error("order_not_prepared", market=spec.slot.market, error=str(exc))
                    continue
                legs.append((spec, order_id, leg))
            if legs:
                out.append(legs)
        return out

    def _refund(self, n: int) -> None:
        bucket = self.core.budget.orders
        bucket.tokens_milli = min(bucket.burst_milli, bucket.tokens_milli + n * 1_000)

    def spawn(self, coro: Awaitable[None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.ctx.log.error("request_task_failed", error=repr(task.exception()))

    async def wait_posts(self, timeout_s: float) -> None:
        if self._posts:
            await asyncio.wait(set(self._posts), timeout=timeout_s)

    async def wait_all(self, timeout_s: float) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)

    # -- requests ---------------------------------------------------------------------------------

    async def _post(self, batch: Prepared, on_intent: bool = False) -> None:
        ids = [order_id for _, order_id, _ in batch]
        sent = Sent()
        try:
            results = await self.gateway.post([leg for _, _, leg in batch], sent)
        except Exception as exc:
            self._left(batch, sent, on_intent)
            typed = _typed(exc)
            self.meters.request_error("submit")
            decision = decide(typed, "submit", 1, self.cfg.max_attempts, self._submit_backoff)
            restricted = isinstance(typed, VenueBusy) and typed.restriction is not None
            if decision.action == "resolve":
                self.meters.ambiguous.inc(len(ids))
            elif decision.delay_ms and not isinstance(typed, RateLimited) and not restricted:
                # (a restricted mode holds back only what it refuses: the core's VenueModes)
                self.core.budget.on_rate_limited(self.core.budget.orders, self.core.local_ms(self.now()),
                                                 decision.delay_ms)  # fmt: skip
            reports = self.core.on_post_error(ids, typed, self.now())
            if isinstance(typed, VenueBusy) and typed.restriction is not None:
                kind, modes = typed.restriction, self.core.venue_modes
                self.ctx.log.warning("venue_restricted", restriction=kind, orders=len(ids),
                                     refusals=modes.refusals.get(kind, 0), held_until_ms=modes.until_ms.get(kind, 0),
                                     reason=typed.message[:200])  # fmt: skip
            else:
                self.ctx.log.warning("submit_failed", orders=len(ids), action=decision.action, reason=decision.reason)
            await self.publish(reports)
            await self._replay_early(ids)
            self.wake.set()
            return
        ack = now_ms_float()
        self._left(batch, sent, on_intent)
        for spec, _, _ in batch:
            self.latency.ack(spec.tick_ms, ack)
        await self._answered(self.core.on_post_results(results, self.now()))
        await self._replay_early(ids)

    def _left(self, batch: Prepared, sent: Sent, on_intent: bool) -> None:
        """tick-to-order, from when the request went on the wire (a request that never left has none)."""
        if sent.at_ms is not None:
            for spec, _, _ in batch:
                self.latency.order(spec.tick_ms, sent.at_ms, on_intent=on_intent)

    async def _replay_early(self, order_ids: list[str]) -> None:
        for order_id in order_ids:
            for event in self._early.pop(order_id, ()):
                await self.execute(self.core.on_order_event(event, self.now()))

    async def _cancel(self, ids: list[str], moves: dict[str, float] | None = None) -> None:
        sent = Sent()  # stamped by the first attempt whose bytes leave
        result = await self.request("cancel", lambda: self.gateway.cancel(ids, sent), ids)
        self.latency.cancel(moves or {}, ids, sent.at_ms)
        if result is not None:
            reports = self.core.on_cancel_result(result, self.now())
            if result.canceled and not self.stopping:
                # the slots of a replace are free now: their new orders go out before any bookkeeping
                await self.execute(self.core.replan_all(self.now()))
            await self._answered(reports)

    async def _cancel_market(self, market: str) -> None:
        ids = [o.order_id for o in self.core.tracker.of_market(market)]
        result = await self.request("cancel", lambda: self.gateway.cancel_market(market), ids)
        if result is not None:
            await self._answered(self.core.on_cancel_result(result, self.now()))

    async def _cancel_all(self, why: str) -> None:
        ids = [o.order_id for o in self.core.tracker if o.maybe_live]
        result = await self.request("cancel", self.gateway.cancel_all, ids)
        if result is not None:
            self.ctx.log.warning("cancelled_all", why=why, cancelled=len(result.canceled))
            await self._answered(self.core.on_cancel_result(result, self.now()))

    async def request(self, op: str, call: Callable[[], Awaitable[T]], ids: list[str],
                      deadline_ms: int | None = None, max_attempts: int | None = None,
                      backoff_max_ms: int | None = None) -> T | None:  # fmt: skip
        """An idempotent request, retried per ``decide``; None once given up (the core is told).
        ``max_attempts``: instead of the configured count (the stop's cancel-all: until its deadline);
        ``backoff_max_ms``: a lower ceiling on the pause between tries (the stop's: a deadline near)."""
        backoff = Backoff(self.cfg.backoff_initial_ms, backoff_max_ms or self.cfg.backoff_max_ms)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await call()
            except Exception as exc:
                typed = _typed(exc)
                self.meters.request_error(op)
                decision = decide(typed, "cancel", attempt, max_attempts or self.cfg.max_attempts, backoff)
                late = deadline_ms is not None and self.now() + decision.delay_ms > deadline_ms
                if decision.action == "retry" and not late:
                    self.ctx.log.warning("request_retry", op=op, attempt=attempt, delay_ms=decision.delay_ms,
                                         reason=decision.reason)  # fmt: skip
                    await asyncio.sleep(decision.delay_ms / 1000)
                    continue
                self.ctx.log.error("request_given_up", op=op, attempt=attempt, reason=decision.reason)
                if ids:
                    self.core.on_cancel_error(ids, typed, self.now())
                self.wake.set()
                return None

    async def _answered(self, reports: list[ExecReport]) -> None:
        await self.publish(reports)
        await self.on_venue_events(self.gateway.take_events())
        self.wake.set()  # slots may be free again: replan soon

    async def publish(self, reports: list[ExecReport]) -> None:
        """Reports on ``exec``; the live orders in ``state:orders``."""
        await publish_reports(self.ctx, self.core, self.meters, reports)


def _typed(exc: BaseException) -> BaseException:
    """An exception outside the hierarchy may have come after the request left: treat as unknown."""
    return exc if isinstance(exc, UpdownError) else UnknownOutcome(repr(exc))
