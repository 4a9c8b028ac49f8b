"""One stage replayed: the worker's own spec (setup, handler through the runner's consumer, control
hook, source decisions) on a fresh Redis, each decision at its traced time, its outputs kept.

Entries go in through ``common.runner.consume.Consumer.process``, the runner's own loop body
(decode, handle, write the outputs and ack in one script): only the blocking read is left out,
since the replay, not Redis, decides what comes next.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import redis.asyncio as aioredis

from common import state
from common.bus import streams
from common.bus.codec import decode
from common.bus.envelope import Envelope
from common.bus.reader import Delivery, GroupReader
from common.bus.writer import Emit, Writer
from common.clock import ManualClock, PinnedClock
from common.config.settings import Settings
from common.logs import get_logger
from common.runner import control
from common.runner.catalog import WORKER_MODULES
from common.runner.consume import Consumer
from common.runner.runner import handle_control
from common.runner.spec import Context, WorkerSpec
from common.runner.tracing import Tracer
from common.schemas.control import ControlCommand
from common.schemas.feed import FeedStatus
from common.schemas.market import MarketRecord
from common.schemas.positions import AccountPosition, MarketPosition
from common.schemas.trace import DecisionTrace, TraceKind
from workers.recorder.records import Record


@dataclass(frozen=True)
class Made:
    """A decision the replay made: its trace and its outputs."""

    trace: DecisionTrace
    outputs: tuple[Emit, ...]


class ReplayTracer(Tracer):
    """The worker's tracer, with each entry's time set by the replay and every decision kept."""

    def __init__(self, stage: str, clock: PinnedClock, run_ms: int) -> None:
        super().__init__(stage, clock, run_ms)
        #: Entry id -> the time its handler reads (set before each consumer call).
        self.times: dict[str, int] = {}
        self.made: list[Made] = []

    def pin_for(self, env: Envelope) -> int | None:
        return self.times[env.id]

    def decision(self, kind: TraceKind, clock_ms: int, outputs: Sequence[Emit], **about: str) -> Emit:
        emit = super().decision(kind, clock_ms, outputs, **about)
        assert self.last is not None
        if kind != "start":
            self.made.append(Made(self.last, tuple(outputs)))
        return emit


def spec_of(stage: str) -> WorkerSpec:
    spec = importlib.import_module(WORKER_MODULES[stage]).SPEC
    assert isinstance(spec, WorkerSpec)
    if not spec.trace or spec.handle is None:
        raise ValueError(f"{stage} is not a traced stage: nothing to replay it by")
    return spec


@dataclass
class StageReplay:
    stage: str
    settings: Settings
    redis: aioredis.Redis
    run_ms: int
    #: What the worker's clock read at its start (the wall's time, or 0 on the event clock).
    start_ms: int
    spec: WorkerSpec = field(init=False)
    clock: ManualClock = field(init=False)
    ctx: Context = field(init=False)
    tracer: ReplayTracer = field(init=False)
    consumers: dict[str, Consumer] = field(default_factory=dict)
    readers: list[GroupReader] = field(default_factory=list)
    entries: int = 0

    def __post_init__(self) -> None:
        self.spec = spec_of(self.stage)
        self.clock = ManualClock(self.start_ms)
        pinned = PinnedClock(self.clock)
        self.tracer = ReplayTracer(self.stage, pinned, self.run_ms)
        self.ctx = Context(name=self.stage, instance=f"{self.stage}-replay", settings=self.settings,
                           redis=self.redis, writer=Writer(self.redis, self.stage, self.settings.bus, pinned),
                           log=get_logger(self.stage), clock=pinned, tracer=self.tracer)  # fmt: skip

    def input_streams(self) -> list[str]:
        return [s for inp in self.spec.inputs for s in inp.resolve(self.settings)]

    async def start(self, before: list[Record]) -> None:
        """Leave in Redis what the entries before the run left there, then the worker's own setup."""
        await derive_state(self.redis, before)
        self.clock.set_ms(self.start_ms)
        self.ctx.state = await control.persisted_state(self.redis, self.stage)
        if self.spec.setup is not None:
            await self.spec.setup(self.ctx)
        for inp in self.spec.inputs:
            for stream in inp.resolve(self.settings):
                reader = GroupReader(self.redis, stream=stream, group=inp.group or self.stage,
                                     consumer=self.ctx.instance, cfg=self.settings.bus, block_ms=0)  # fmt: skip
                await reader.ensure_group()
                self.readers.append(reader)
                assert self.spec.handle is not None
                self.consumers[stream] = Consumer(self.ctx, reader, self.spec.handle)

    async def hand(self, records: list[Record], clock_ms: list[int]) -> None:
        """Entries of one stream, each handled at its time, through the runner's consumer."""
        self.entries += len(records)
        stream = records[0].stream
        if stream == streams.CTL:
            for r, at in zip(records, clock_ms, strict=True):
                self.clock.set_ms(at)
                env = decode(r.fields, r.id)
                if isinstance(env.body, ControlCommand):
                    pipe = self.redis.pipeline(transaction=True)
                    control.persist(pipe, env.body.action, env.body.target)
                    await pipe.execute()
                await handle_control(self.ctx, self.spec, env)
            return
        pipe = self.redis.pipeline(transaction=False)
        for r in records:  # the recording loaded as it was: same ids, same fields
            pipe.xadd(stream, r.fields, id=r.id)
        await pipe.execute()
        self.tracer.times = {r.id: at for r, at in zip(records, clock_ms, strict=True)}
        self.clock.set_ms(max(clock_ms))
        consumer = self.consumers[stream]
        await consumer.process([Delivery(stream, r.id, r.fields, 1) for r in records])
        await consumer.settle()

    async def close(self) -> None:
        for reader in self.readers:
            await reader.aclose()
        await self.ctx.writer.aclose()

    async def source_decision(self, trace: DecisionTrace) -> None:
        """A source loop's decision, made again by the worker's own code at its traced time."""
        self.clock.set_ms(trace.clock_ms)
        decide = self.spec.source_decisions.get(trace.source)
        if decide is None:
            raise ValueError(f"{self.stage} traced a source decision {trace.source!r} it does not declare")
        await decide(self.ctx, trace.value)


async def derive_state(redis: aioredis.Redis, records: list[Record]) -> None:
    """The hashes and keys a stage reads at start, as the recorded entries before it left them:
    the control mode, the markets, the positions and the feeds' states."""
    pipe = redis.pipeline(transaction=False)
    for r in records:
        body = decode(r.fields, r.id).body
        if isinstance(body, ControlCommand):
            control.persist(pipe, body.action, body.target)
        elif isinstance(body, MarketRecord):
            state.put(pipe, state.MARKETS, body.slug, body)
        elif isinstance(body, MarketPosition):
            state.put(pipe, state.POSITIONS, body.market, body)
        elif isinstance(body, AccountPosition):
            state.put(pipe, state.POSITIONS, state.ACCOUNT, body)
        elif isinstance(body, FeedStatus):
            state.put(pipe, state.FEEDS, body.feed, body)
    await pipe.execute()
