"""The input loop of a transforming worker: read, decode, handle, emit-and-ack or dead-letter.

A handler failing because of the infrastructure (Redis away or timing out, the venue busy, rate
limiting or unreachable) is not the entry's fault: the loop stops there and the runner backs off
and reconnects; the entry is then read again without counting a delivery, so an outage never
dead-letters a good entry (a fill stays bookable). Any other failure counts toward
``bus.max_deliveries``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Sequence
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from common import metrics
from common.bus.codec import DecodeError, decode
from common.bus.envelope import Envelope
from common.bus.reader import Delivery, GroupReader
from common.bus.writer import Batch, Emit
from common.errors import is_retryable
from common.latency import Spans, hop_span
from common.runner.spec import Context, Handler

#: Pause before retrying a failed entry, times the number of its deliveries so far.
RETRY_STEP_S = 0.05
#: A traced start names at most this many of the consumer's pending entries (a batch is far fewer).
TRACED_PENDING_MAX = 10_000
#: Handler errors that are the infrastructure's, not the entry's (with :func:`is_retryable` venue errors).
INFRASTRUCTURE_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


def infrastructure_failure(exc: BaseException) -> bool:
    """Redis away or slow, or a venue error worth retrying: never counted against the entry."""
    return isinstance(exc, INFRASTRUCTURE_ERRORS) or is_retryable(exc)


class Consumer:
    def __init__(self, ctx: Context, reader: GroupReader, handle: Handler, hops: Spans | None = None,
                 owns: Callable[[], bool] | None = None) -> None:  # fmt: skip
        self._ctx = ctx
        self._reader = reader
        #: For a series' stream of a scaled stage: False once the series is no longer this instance's.
        self._owns = owns or (lambda: True)
        self._handle = handle
        #: Where this stage's hop is observed (the runner publishes it), and under which name.
        self._hops = hops
        self._hop_span = hop_span(ctx.name, reader.stream)
        self._emits = 0
        self._in_flight: asyncio.Future[Any] | None = None
        self._last_claim = 0.0
        labels = (ctx.name, reader.stream)
        self._processed = metrics.PROCESSED.labels(*labels)
        self._failed = metrics.FAILED.labels(*labels)
        self._latency = metrics.HANDLER_SECONDS.labels(*labels)

    async def run(self) -> None:
        ctx, reader = self._ctx, self._reader
        await self.begin()
        try:
            while not ctx.stopping.is_set() and self._owns():
                if not ctx.active:
                    await self._settle()
                    await ctx.sleep(0.2)
                    continue
                if reader.reading_pending:
                    await self._settle()  # or the entries whose acks are in flight come back
                batch = await reader.read()
                batch += await self._maybe_claim()
                if not batch:
                    await self._settle()
                    continue
                if not self._owns():
                    break  # left pending: the series' next owner claims them, in order
                failed_deliveries = await self.process(batch)
                if failed_deliveries:
                    await self._settle()
                    reader.retry_pending()
                    await ctx.sleep(RETRY_STEP_S * failed_deliveries)
        finally:
            await self._settle()
            await reader.aclose()

    async def begin(self) -> None:
        """The group made, where this run began traced; what was delivered to us and not acked
        (after a start or a reconnect) is read first."""
        await self._reader.ensure_group()
        await self._trace_start()
        self._reader.reread_pending()
        self._in_flight = None

    @property
    def reader(self) -> GroupReader:
        return self._reader

    async def _settle(self) -> None:
        """Wait for the batch script in flight (its errors surface here, in order)."""
        task, self._in_flight = self._in_flight, None
        if task is not None:
            await task

    async def _maybe_claim(self) -> list[Delivery]:
        now = time.monotonic()
        if now - self._last_claim < self._ctx.settings.bus.claim_interval_ms / 1000:
            return []
        self._last_claim = now
        claimed = await self._reader.claim_abandoned()
        if claimed:
            metrics.CLAIMED.labels(self._ctx.name, self._reader.stream).inc(len(claimed))
            self._ctx.log.warning("claimed_abandoned", stream=self._reader.stream, count=len(claimed))
        return claimed

    async def process(self, batch: list[Delivery]) -> int:
        """Handle a batch in order; stop at the first failure. Returns its delivery count, or 0.

        Outputs and acks of the whole batch go out in one script call (atomic, one round trip);
        an entry delivered before whose outputs were already written (a crash between writing and
        acking) is only acked. Dead letters, rare, go first in their own calls. Outputs that have
        waited ``bus.output_wait_ms`` for the rest of a long batch go out first with the acks so far,
        in a call of their own (in order: as if the batch had been read in two).
        """
        ctx, reader = self._ctx, self._reader
        writer = ctx.writer
        out = writer.batch(reader.stream, reader.group)
        letters: Any = None  # this batch's dead-letter pipeline, made by the first dead letter
        emitted: list[float] = []  # the handled entries' emit stamps, for the hop
        failed = 0
        # Read once per batch, not per entry: the loop below runs for every message.
        max_deliveries, crash_at = ctx.settings.bus.max_deliveries, ctx.settings.runner.crash_after_emits
        output_wait_s = ctx.settings.bus.output_wait_ms / 1000
        handle = self._handle_traced if ctx.tracer else None
        perf_counter, observe = time.perf_counter, self._latency.observe
        outputs_since: float | None = None  # when the oldest outputs not yet sent were made
        sent_early = 0  # entries whose outputs and acks went out before the batch's end
        last = len(batch) - 1
        for i, d in enumerate(batch):
            if d.fields is None:
                out.add(d.id, None, ())
                ctx.log.error("entry_lost_while_pending", stream=reader.stream, id=d.id)
                continue
            if d.deliveries > max_deliveries:
                letters = await self._dead_letter(letters, d, "max_deliveries", f"failed {d.deliveries - 1} times")
                continue
            try:
                env = decode(d.fields, d.id)
            except DecodeError as exc:
                letters = await self._dead_letter(letters, d, "decode", str(exc))
                continue
            started = perf_counter()
            try:
                outputs = await handle(env) if handle else await self._handle(ctx, env)
            except Exception as exc:
                if infrastructure_failure(exc):
                    ctx.log.warning("handler_unavailable", stream=reader.stream, id=d.id, error=repr(exc)[:300])
                    await self._send_handled(out, emitted, letters)
                    raise  # the runner backs off and reconnects; the entry comes back uncounted
                self._failed.inc()
                ctx.log.exception("handler_failed", stream=reader.stream, id=d.id, deliveries=d.deliveries,
                                  error=repr(exc))  # fmt: skip
                failed = d.deliveries
                break
            observe(perf_counter() - started)
            self._emits += 1
            if crash_at and self._emits >= crash_at:
                await self._settle()
                if letters is not None:
                    await letters.execute()
                await out.send()
                await writer.emit_once(stream=reader.stream, group=reader.group, cause=env, outputs=outputs)
                ctx.log.critical("crash_point_reached", id=d.id)
                os.kill(os.getpid(), signal.SIGKILL)
            out.add(d.id, env, outputs)
            emitted.append(env.emit_ms)
            if outputs and outputs_since is None:
                outputs_since = perf_counter()
            if outputs_since is not None and i < last and perf_counter() - outputs_since >= output_wait_s:
                # A decision early in a burst does not wait for the rest of the burst to be handled:
                # what is handled so far goes out now, in order, as a batch of its own would.
                if letters is not None:
                    await letters.execute()
                    letters = None
                await self._settle()
                await self._send(out, emitted)
                sent_early += out.entries
                out, emitted, outputs_since = writer.batch(reader.stream, reader.group), [], None
        if letters is not None:
            await letters.execute()
        # The previous batch's script must land first (outputs in order). A full batch means more
        # wait behind it: its script then runs while the next batch is read and handled, so a
        # backlog does not idle on Redis. A partial batch means the consumer has caught up: its
        # script is awaited before the next read, which then finds what came in meanwhile rather
        # than one entry at a time (two round trips per entry, for the consumer and for Redis).
        await self._settle()
        if failed or not out.entries or len(batch) < ctx.settings.bus.read_count:
            await self._send(out, emitted)
        else:
            self._in_flight = asyncio.ensure_future(self._send(out, emitted))
            await asyncio.sleep(0)  # the outputs are written before the next read is
        self._processed.inc(sent_early + out.entries)
        return failed

    async def _handle_traced(self, env: Envelope) -> Sequence[Emit]:
        """Handle at one pinned time; note the entry handled; trace a decision (any outputs)."""
        ctx, stream = self._ctx, self._reader.stream
        tracer = ctx.tracer
        assert tracer is not None
        with tracer.clock.pinned(tracer.pin_for(env)) as now_ms:
            outputs = await self._handle(ctx, env)
        tracer.handled_entry(stream, env.id)
        if not outputs and not tracer.order_full:
            return outputs
        return [*outputs, tracer.decision("entry", now_ms, outputs, trigger_stream=stream, trigger_id=env.id)]

    async def _trace_start(self) -> None:
        """Trace where this run began to read the stream (its group's position): what it never saw."""
        tracer, reader = self._ctx.tracer, self._reader
        if tracer is None or reader.stream in tracer.started:
            return
        tracer.started.add(reader.stream)
        groups = await self._ctx.redis.xinfo_groups(reader.stream)
        info = next((g for g in groups if _text(g["name"]) == reader.group), None)
        position = _text(info["last-delivered-id"]) if info else "0-0"
        # What it had read and not acked before (a kill): read again first, so handled again.
        pending = await self._ctx.redis.xpending_range(
            reader.stream, reader.group, min="-", max="+", count=TRACED_PENDING_MAX, consumername=reader.consumer
        )
        emit = tracer.decision("start", tracer.clock.now_ms(), (), trigger_stream=reader.stream, trigger_id=position,
                               value=",".join(_text(p["message_id"]) for p in pending))  # fmt: skip
        await self._ctx.publish(emit.stream, emit.body, key=emit.key)

    async def settle(self) -> None:
        """Wait until the outputs of everything processed are written."""
        await self._settle()

    async def _send_handled(self, out: Batch, emitted: list[float], letters: Any) -> None:
        """Write what the batch handled before an infrastructure failure (it fails too if Redis is away)."""
        if letters is not None:
            await letters.execute()
        await self._settle()
        await self._send(out, emitted)

    async def _send(self, out: Batch, emitted: list[float]) -> None:
        await out.send()
        if self._hops is not None and emitted:
            self._hops.observe_since(self._hop_span, self._ctx.clock.stamp_ms(), emitted)

    async def _dead_letter(self, pipe: Any, d: Delivery, reason: str, detail: str) -> Any:
        """Queue a dead letter on this batch's pipeline (made by the first one); returns the pipeline."""
        reader = self._reader
        pipe = self._ctx.redis.pipeline(transaction=False) if pipe is None else pipe
        await self._ctx.writer.dead_letter(pipe, stream=reader.stream, group=reader.group, entry_id=d.id,
                                           fields=d.fields, reason=f"{reason}: {detail}",
                                           deliveries=d.deliveries)  # fmt: skip
        metrics.DEAD_LETTERED.labels(self._ctx.name, reader.stream, reason).inc()
        self._ctx.log.error("dead_lettered", stream=reader.stream, id=d.id, reason=reason, detail=detail)
        return pipe


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
