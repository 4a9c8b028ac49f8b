"""How a worker is declared: a name, its inputs and a handler (or a source loop), and hooks.

A worker module exposes ``SPEC = WorkerSpec(...)``; :mod:`workers.registry` maps names to modules.
Everything else (config, connections, signals, health, metrics, control, retries, dead letters)
is the runner's.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import redis.asyncio as aioredis

from common.bus.envelope import Envelope
from common.bus.writer import Emit, Writer
from common.clock import Clock, EventClock
from common.config.settings import Settings
from common.logs import Log
from common.runner.lease import SeriesLeases
from common.runner.tracing import Tracer
from common.schemas.base import Message
from common.schemas.control import ControlCommand


class WorkerState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    HALTED = "halted"
    STOPPING = "stopping"


StreamNames = str | Callable[[Settings], Sequence[str]]


@dataclass(frozen=True)
class Input:
    """Streams read through one consumer group (default: the worker's name)."""

    streams: StreamNames
    group: str | None = None
    #: Where a new group starts: "0" = everything already in the stream, "$" = only what comes next.
    start_id: str = "0"
    #: One stream per series (``<kind>.<series>``): when the stage runs several instances, only the
    #: series' owner reads it (``common.runner.scale``); the other inputs then reach every instance.
    per_series: bool = False

    def resolve(self, settings: Settings) -> list[str]:
        return [self.streams] if isinstance(self.streams, str) else list(self.streams(settings))


Handler = Callable[["Context", Envelope], Awaitable[Sequence[Emit]]]
Hook = Callable[["Context"], Awaitable[None]]
ControlHook = Callable[["Context", ControlCommand], Awaitable[None]]
#: A decision a source loop makes, made again by a replay at its recorded time (``value``: what the
#: loop had observed outside the streams, as traced).
SourceDecision = Callable[["Context", str], Awaitable[None]]
#: Called with the series this instance just gained and lost (a scaled stage only).
SeriesHook = Callable[["Context", Sequence[str], Sequence[str]], Awaitable[None]]


@dataclass(frozen=True)
class WorkerSpec:
    name: str
    inputs: tuple[Input, ...] = ()
    #: Transforming stage: one input entry in, outputs written and the input acked atomically.
    handle: Handler | None = None
    #: Source loop (feeds, producers): runs until ``ctx.stopping`` is set.
    source: Hook | None = None
    setup: Hook | None = None
    teardown: Hook | None = None
    on_control: ControlHook | None = None
    #: Streams this worker writes; it bounds them (``common.bus.retention``: pending-safe, by age).
    writes: tuple[StreamNames, ...] = ()
    #: Trace every decision on ``trace.<name>`` (``common.runner.tracing``) so that a replay can
    #: reproduce it; the decisions of its source loop, by the name their traces carry.
    trace: bool = False
    source_decisions: dict[str, SourceDecision] = field(default_factory=dict)
    on_series: SeriesHook | None = None

    def __post_init__(self) -> None:
        if self.handle is None and self.source is None:
            raise ValueError(f"worker {self.name!r} needs a handler or a source loop")
        if self.handle is not None and not self.inputs:
            raise ValueError(f"worker {self.name!r} has a handler but no inputs")


@dataclass
class Context:
    """What a handler or source loop sees of the world."""

    name: str
    instance: str
    settings: Settings
    redis: aioredis.Redis
    writer: Writer
    log: Log
    clock: Clock
    state: WorkerState = WorkerState.RUNNING
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    #: Whatever ``setup`` wants to keep for the handler (clients, caches, cores).
    resources: dict[str, Any] = field(default_factory=dict)
    #: The decision trace of a traced worker (None otherwise).
    tracer: Tracer | None = None
    #: The series leases of a scaled stage (``runner.instances``); None: this instance owns them all.
    leases: SeriesLeases | None = None

    def owns(self, series: str) -> bool:
        """This instance handles the series (always, unless its stage runs several instances)."""
        return self.leases is None or self.leases.holds(series)
    #: Per decision loop (its task) on an event clock: the recorded time it last woke at.
    _clock_due: dict[Any, int] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """True while the worker should do its job (not paused, halted or stopping)."""
        return self.state is WorkerState.RUNNING and not self.stopping.is_set()

    async def publish(
        self,
        stream: str,
        body: Message,
        *,
        key: str = "",
        event_ms: int | None = None,
        ingest_ms: float | None = None,
    ) -> str:
        return await self.writer.publish(stream, body, key=key, event_ms=event_ms, ingest_ms=ingest_ms)

    async def sleep(self, seconds: float) -> bool:
        """Sleep unless asked to stop; False when stopping."""
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        except TimeoutError:
            return True
        return False

    async def sleep_on_clock(self, seconds: float) -> bool:
        """A decision loop's sleep: ``sleep``, or with an event clock (``runner.clock = "event"``) until
        the recorded time reaches the loop's next whole step of ``seconds``, which its task then
        reads as its time: its decisions come at the same recorded times at any pace (``updown
        stress``); False when stopping."""
        base = getattr(self.clock, "base", None)
        if not isinstance(base, EventClock):
            return await self.sleep(seconds)
        step = int(seconds * 1000)
        task = asyncio.current_task()
        last = self._clock_due.get(task)
        if last is None:  # the first: the next whole step after the first entry's time
            await self._until_or_stop(base.until(1))
            last = base.now_ms() // step * step
        # Every step in turn, however far the clock jumped meanwhile: as many decisions per recorded
        # second, at the same recorded times, whatever the pace.
        due = self._clock_due[task] = last + step
        await self._until_or_stop(base.until(due))
        self.clock.hold(due)  # type: ignore[attr-defined]  # a PinnedClock (its base is the EventClock)
        return not self.stopping.is_set()

    async def _until_or_stop(self, moved_coro: Any) -> None:
        moved = asyncio.ensure_future(moved_coro)
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait((moved, stop), return_when=asyncio.FIRST_COMPLETED)
        finally:
            moved.cancel()
            stop.cancel()


def instance_name(worker: str) -> str:
    """A consumer name stable across restarts: supervisord's process name when run under it."""
    return os.environ.get("SUPERVISOR_PROCESS_NAME") or os.environ.get("UPDOWN_INSTANCE") or f"{worker}-0"
