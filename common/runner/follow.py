"""Follow mode (``runner.follow``): a traced stage handles its inputs in a recording's order.

Alpha and the quoter read each input stream in a concurrent loop of its own, so at another pace
entries of different streams are handled in another order and the decisions differ. A stress run
(``updown stress``) puts the recording's decision traces of the stage on ``replay.schedule.<worker>``;
each trace's ``order`` names the streams of the entries handled since the previous decision, its
trigger last, and a source decision (alpha's timer, the quoter's ledger trust) where it was made.
Following it, the stage runs ONE loop instead of its loops per stream: it reads the stream the
schedule names next (waiting for its next entry; other streams' entries stay unread meanwhile),
hands the entries to the runner's own :meth:`Consumer.process` (outputs, acks, traces and dead
letters as in normal running), reads a decision's trigger at the recorded decision's time, and
makes each source decision at its recorded time with the observed value, not from its wall-time
loop. Entry ids differ from the recording's (the feeds emit again): the schedule counts entries
per stream. Once the schedule is done (entries after the last recorded decision) the stage
consumes as usual: its loops per stream, its control and source loops start.

Control commands are handled by the control loop, which waits for their turn in the schedule. An
entry the schedule waits for that does not come within ``runner.follow_wait_s`` stops the worker
with an error naming the stage, the stream and the decision. Only with ``runner.clock = "event"``
(``RunnerSettings`` refuses it otherwise); live (the default) never follows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from common.bus import streams
from common.bus.reader import Delivery
from common.clock import EventClock
from common.runner.consume import RETRY_STEP_S, Consumer
from common.runner.schedule import Entries, FollowMismatch, Source, Step, load_schedule, schedule_stream
from common.runner.spec import Context, WorkerSpec

#: The field a written-back entry carries when it is the recording's (``runner.follow_played_only``).
PLAYED_FIELD = b"played"


class _Stopped(Exception):
    """The worker is stopping while the schedule waits."""


class Follower:
    def __init__(self, ctx: Context, spec: WorkerSpec) -> None:
        assert ctx.tracer is not None, "only a traced stage follows a schedule"
        self._ctx, self._spec, self._tracer = ctx, spec, ctx.tracer
        self._consumers: dict[str, Consumer] = {}
        self._buffers: dict[str, list[Delivery]] = {}
        #: Entries handled outside the schedule, per stream (``runner.follow_played_only``).
        self._extra: dict[str, int] = {}
        self._steps: list[Step] | None = None
        #: The consumer whose last batch may still be being written.
        self._writing: Consumer | None = None
        self._at = 0
        #: Set once the schedule is done: the stage's usual loops then run.
        self.done = asyncio.Event()
        self._changed = asyncio.Event()

    def follows(self, consumer: Consumer) -> Callable[[], Awaitable[None]]:
        """The consumer's own loop, once the schedule is done (until then the follower reads for it)."""
        self._consumers[consumer.reader.stream] = consumer
        self._buffers[consumer.reader.stream] = []
        return self.after(consumer.run)

    def after(self, body: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if await self._until(self.done):
                await body()

        return run

    async def run(self) -> None:
        ctx = self._ctx
        try:
            if self._steps is None:
                for consumer in self._consumers.values():
                    await consumer.begin()
                self._steps = await load_schedule(ctx)
                ctx.log.info("following", steps=len(self._steps), stream=schedule_stream(ctx.name))
            self._writing = None  # after a reconnect: what we hold is pending, read again
            for buffer in self._buffers.values():
                buffer.clear()
            for consumer in self._consumers.values():
                consumer.reader.reread_pending()
            while self._at < len(self._steps):
                await self._do(self._steps[self._at])
                self._at += 1
                self._poke()
            await self._settle()  # before the consumers' own loops take over
        except _Stopped:
            await self._settle()
            return
        finally:
            if not self.done.is_set():  # stopping or failing: the readers' connections go (made again if need be)
                for consumer in self._consumers.values():
                    await consumer.reader.aclose()
        if not self.done.is_set():
            ctx.log.info("schedule_done", steps=len(self._steps))
            self.done.set()
            self._poke()
        await ctx.stopping.wait()

    async def turn(self, stream: str) -> None:
        """Wait until the schedule is at an entry of ``stream`` (the control loop's), or done."""
        while not (self.done.is_set() or self._ctx.stopping.is_set() or self._now_at(stream)):
            await self._until(self._changed)

    def took(self) -> None:
        """The control loop handled an entry in its turn."""
        self._poke()

    def _now_at(self, stream: str) -> bool:
        step = self._steps[self._at] if self._steps is not None and self._at < len(self._steps) else None
        return isinstance(step, Entries) and step.stream == stream

    def _poke(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _until(self, event: asyncio.Event, timeout_s: float | None = None) -> bool:
        """Wait for ``event`` (at most ``timeout_s``); False when the worker stops first or time ran out."""
        stop = asyncio.ensure_future(self._ctx.stopping.wait())
        got = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait((stop, got), timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            got.cancel()
        return event.is_set() and not self._ctx.stopping.is_set()

    async def _do(self, step: Step) -> None:
        if isinstance(step, Source):
            await self._source(step)
            return
        target = self._scheduled(step.stream) + step.count
        if step.stream == streams.CTL:
            await self._control(step, target)
            return
        consumer = self._consumers.get(step.stream)
        if consumer is None:
            raise FollowMismatch(f"{self._ctx.name}: decision {step.seq} of the schedule handled {step.stream}, "
                                 f"which this stage does not read")  # fmt: skip
        while (left := target - self._scheduled(step.stream)) > 0:
            batch = await self._take(consumer, step, left)
            # A decision's trigger (a step of its own, one entry) reads the recorded decision's time.
            self._tracer.pin_next = step.clock_ms
            try:
                await self._process(consumer, batch)
            finally:
                self._tracer.pin_next = None

    def _scheduled(self, stream: str) -> int:
        return self._tracer.counts.get(stream, 0) - self._extra.get(stream, 0)

    async def _take(self, consumer: Consumer, step: Entries, n: int) -> list[Delivery]:
        """Up to ``n`` (at least one) entries of the step's stream, read as they come."""
        ctx, buffer = self._ctx, self._buffers[step.stream]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ctx.settings.runner.follow_wait_s
        while not buffer:
            if ctx.stopping.is_set():
                raise _Stopped
            unscheduled: list[Delivery] = []
            for d in await consumer.reader.read():
                (unscheduled if self._unscheduled(d) else buffer).append(d)
            if unscheduled:
                before = self._tracer.counts.get(step.stream, 0)
                await self._process(consumer, unscheduled)
                self._extra[step.stream] = self._extra.get(step.stream, 0) + self._tracer.counts.get(
                    step.stream, 0) - before  # fmt: skip
            if not buffer and loop.time() > deadline:
                raise FollowMismatch(
                    f"{ctx.name}: the schedule waits for entry {self._scheduled(step.stream) + 1} of {step.stream} "
                    f"(before decision {step.seq}), and none came in {ctx.settings.runner.follow_wait_s:g} s: "
                    f"this run is not the recording's")  # fmt: skip
        batch = buffer[:n]
        del buffer[:n]
        return batch

    def _unscheduled(self, d: Delivery) -> bool:
        """An entry of a stream whose schedule counts only the recording's, that is not one."""
        return d.stream in self._ctx.settings.runner.follow_played_only and (
            d.fields is None or PLAYED_FIELD not in d.fields)  # fmt: skip

    async def _process(self, consumer: Consumer, batch: list[Delivery]) -> None:
        """As the consumer's own loop does; a failed entry is read again (with what follows) after a pause.

        A consumer's batches are written in order (its own in-flight write lands before the next);
        the outputs of another stream's consumer, or of a source decision, wait for them (``_settle``).
        """
        if consumer is not self._writing:
            await self._settle()
            self._writing = consumer
        failed = await consumer.process(batch)
        if failed:
            self._buffers[consumer.reader.stream].clear()  # delivered and not acked: read again from pending
            consumer.reader.retry_pending()
            await self._ctx.sleep(RETRY_STEP_S * failed)

    async def _settle(self) -> None:
        """The last batch's outputs written (before another consumer's, a source decision's, a command)."""
        writing, self._writing = self._writing, None
        if writing is not None:
            await writing.settle()

    async def _control(self, step: Entries, target: int) -> None:
        """The control loop handles the command in its turn (``turn``); wait for it."""
        await self._settle()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._ctx.settings.runner.follow_wait_s
        self._poke()
        while self._scheduled(streams.CTL) < target:
            if self._ctx.stopping.is_set():
                raise _Stopped
            left = deadline - loop.time()
            if left <= 0:
                raise FollowMismatch(f"{self._ctx.name}: the schedule waits for control command "
                                     f"{target} (before decision {step.seq}), and none came in "
                                     f"{self._ctx.settings.runner.follow_wait_s:g} s")  # fmt: skip
            await self._until(self._changed, left)

    async def _source(self, step: Source) -> None:
        await self._settle()
        decide = self._spec.source_decisions.get(step.name)
        if decide is None:
            raise FollowMismatch(f"{self._ctx.name}: decision {step.seq} of the schedule is {step.name!r}, "
                                 f"a source decision this stage does not make")  # fmt: skip
        base = self._tracer.clock.base
        if isinstance(base, EventClock):
            base.follow(step.clock_ms)  # what a source loop reads once the schedule is done (never back)
        with self._tracer.clock.pinned(step.clock_ms):
            await decide(self._ctx, step.value)
