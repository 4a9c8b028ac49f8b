"""A traced stage's decisions: one time per decision, and a trace of what it had read (real Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from common.bus import streams
from common.bus.codec import decode, encode
from common.bus.connection import connect
from common.bus.envelope import Envelope
from common.bus.reader import Delivery, GroupReader
from common.bus.writer import Emit, Writer
from common.clock import EventClock, ManualClock, PinnedClock
from common.config import load_settings
from common.logs import get_logger
from common.runner import tracing
from common.runner.consume import Consumer
from common.runner.spec import Context
from common.runner.tracing import Tracer, digest
from common.schemas.heartbeat import Heartbeat
from common.schemas.trace import DecisionTrace

pytestmark = pytest.mark.integration
T0 = 1_800_000_000_000


def beat(seq: int, event_ms: int = 1) -> dict[bytes, bytes]:
    return encode(Heartbeat(seq=seq, producer="test"), src="test", event_ms=event_ms, ingest_ms=1, emit_ms=1)


def context(redis_url: str, base: ManualClock | EventClock, traced: bool) -> Context:
    settings = load_settings(env={"UPDOWN_REDIS__URL": redis_url})
    redis = connect(settings.redis)
    clock = PinnedClock(base) if traced else base
    tracer = Tracer("relay", clock, run_ms=T0) if isinstance(clock, PinnedClock) else None
    return Context(name="relay", instance="relay-0", settings=settings, redis=redis, log=get_logger("relay"),
                   writer=Writer(redis, "relay", settings.bus, clock), clock=clock, tracer=tracer)  # fmt: skip


class SlowRelay:
    """A handler that reads the clock, lets time pass (as an await would), reads it again."""

    def __init__(self, base: ManualClock) -> None:
        self.base = base
        self.read: list[tuple[int, int]] = []

    async def __call__(self, ctx: Context, env: Envelope) -> Sequence[Emit]:
        first = ctx.clock.now_ms()
        self.base.advance(7)
        self.read.append((first, ctx.clock.now_ms()))
        return [Emit(streams.HEARTBEAT_SEEN, env.body)] if env.body.seq % 2 else []  # type: ignore[attr-defined]


async def hand(ctx: Context, handler: SlowRelay, stream: str, entries: list[tuple[str, dict[bytes, bytes]]]) -> None:
    reader = GroupReader(ctx.redis, stream=stream, group="relay", consumer="relay-0", cfg=ctx.settings.bus,
                         block_ms=0)  # fmt: skip
    await reader.ensure_group()
    consumer = Consumer(ctx, reader, handler)
    for entry_id, fields in entries:
        await ctx.redis.xadd(stream, fields, id=entry_id)
    await consumer.process([Delivery(stream, i, f, 1) for i, f in entries])
    await consumer.settle()
    await reader.aclose()


async def close(ctx: Context) -> None:
    await ctx.writer.aclose()
    await ctx.redis.aclose(close_connection_pool=True)


async def traces(ctx: Context) -> list[DecisionTrace]:
    return [decode(f).body for _, f in await ctx.redis.xrange(streams.trace("relay"))]  # type: ignore[misc]


async def test_a_traced_handler_reads_one_time_and_its_trace_says_which(redis_url: str) -> None:
    base = ManualClock(T0)
    ctx, relay = context(redis_url, base, traced=True), SlowRelay(base)

    await hand(ctx, relay, "hb", [("1000-0", beat(1))])

    ((first, second),) = relay.read
    assert first == second == T0
    (trace,) = await traces(ctx)
    assert trace.kind == "entry" and trace.clock_ms == T0
    await close(ctx)


async def test_an_untraced_handler_reads_the_clock_as_it_moves(redis_url: str) -> None:
    base = ManualClock(T0)
    ctx, relay = context(redis_url, base, traced=False), SlowRelay(base)

    await hand(ctx, relay, "hb", [("1000-0", beat(1))])

    assert relay.read == [(T0, T0 + 7)]
    assert await ctx.redis.exists(streams.trace("relay")) == 0
    await close(ctx)


async def test_a_decision_trace_names_its_trigger_the_entries_handled_on_every_stream_and_its_outputs(
    redis_url: str,
) -> None:
    base = ManualClock(T0)
    ctx, relay = context(redis_url, base, traced=True), SlowRelay(base)

    await hand(ctx, relay, "hb.b", [("900-0", beat(2))])  # handled, decides nothing: no trace
    await hand(ctx, relay, "hb", [("1000-0", beat(2)), ("1001-0", beat(3))])

    (trace,) = await traces(ctx)
    assert (trace.trigger_stream, trace.trigger_id) == ("hb", "1001-0")
    assert trace.handled == {"hb.b": "900-0", "hb": "1001-0"}
    assert trace.outputs == (f"{streams.HEARTBEAT_SEEN} {digest(Heartbeat(seq=3, producer='test'))}",)
    seen = await ctx.redis.xrange(streams.HEARTBEAT_SEEN)
    assert [decode(f).body for _, f in seen] == [Heartbeat(seq=3, producer="test")]
    await close(ctx)


async def test_on_the_event_clock_a_handler_reads_its_own_entrys_event_time_and_the_clock_never_goes_back(
    redis_url: str,
) -> None:
    base = EventClock()
    ctx = context(redis_url, base, traced=True)
    read: list[int] = []

    async def handler(c: Context, env: Envelope) -> Sequence[Emit]:
        read.append(c.clock.now_ms())
        return []

    reader = GroupReader(ctx.redis, stream="hb", group="relay", consumer="relay-0", cfg=ctx.settings.bus, block_ms=0)
    await reader.ensure_group()
    consumer = Consumer(ctx, reader, handler)
    await consumer.process([Delivery("hb", "1-0", beat(1, event_ms=T0 + 50), 1),
                            Delivery("hb", "2-0", beat(2, event_ms=T0 + 20), 1)])  # fmt: skip
    await consumer.settle()
    await reader.aclose()

    assert read == [T0 + 50, T0 + 20]  # each its own: not which of two loops ran first
    assert ctx.clock.now_ms() == T0 + 50  # the clock (the source loops') never goes back
    await close(ctx)


async def test_a_consumer_starting_traces_its_groups_position_and_what_it_left_pending(redis_url: str) -> None:
    ctx = context(redis_url, ManualClock(T0), traced=True)
    await ctx.redis.xadd("hb", beat(1), id="1000-0")
    await ctx.redis.xadd("hb", beat(2), id="1001-0")
    await ctx.redis.xgroup_create("hb", "relay", id="0")
    await ctx.redis.xreadgroup("relay", "relay-0", {"hb": ">"}, count=1)  # read, never acked: a kill
    reader = GroupReader(ctx.redis, stream="hb", group="relay", consumer="relay-0", cfg=ctx.settings.bus, block_ms=50)
    run = asyncio.ensure_future(Consumer(ctx, reader, SlowRelay(ManualClock(T0))).run())

    for _ in range(100):
        if [t for t in await traces(ctx) if t.kind == "start"]:
            break
        await asyncio.sleep(0.05)
    ctx.stopping.set()
    await run

    start = next(t for t in await traces(ctx) if t.kind == "start")
    assert (start.trigger_stream, start.trigger_id, start.value) == ("hb", "1000-0", "1000-0")
    await close(ctx)


async def test_a_stage_deciding_nothing_for_long_still_traces_its_order_so_that_it_stays_bounded(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracing, "ORDER_MAX_RUNS", 3)
    base = ManualClock(T0)
    ctx, relay = context(redis_url, base, traced=True), SlowRelay(base)

    for n, stream in enumerate(["hb", "hb.b", "hb", "hb.b"]):  # even beats: no outputs, no decision
        await hand(ctx, relay, stream, [(f"{1000 + n}-0", beat(2))])

    (trace,) = await traces(ctx)
    assert trace.order == ("hb 1", "hb.b 1", "hb 1") and trace.outputs == ()
    assert ctx.tracer is not None and ctx.tracer.order_full is False
    await close(ctx)
