"""Worker specs used only by the integration tests (run as ``updown worker module:ATTR``)."""

from __future__ import annotations

from collections.abc import Sequence

from common.bus.envelope import Envelope
from common.runner import Context, Emit, Input, WorkerSpec
from common.schemas.heartbeat import Heartbeat, HeartbeatSeen

#: A heartbeat with this sequence number always makes the flaky handler fail.
POISON_SEQ = 13
IN_STREAM = "t.in"
OUT_STREAM = "t.out"


async def flaky(ctx: Context, env: Envelope) -> Sequence[Emit]:
    assert isinstance(env.body, Heartbeat)
    if env.body.seq == POISON_SEQ:
        raise RuntimeError("this entry always fails")
    seen = HeartbeatSeen(seq=env.body.seq, producer=env.body.producer, relay=ctx.instance, hop_us=0)
    return [Emit(OUT_STREAM, seen)]


FLAKY = WorkerSpec(name="flaky", inputs=(Input(IN_STREAM),), handle=flaky)


async def broken_source(ctx: Context) -> None:
    await ctx.sleep(0.3)
    raise RuntimeError("a bug in a source loop")


BROKEN = WorkerSpec(name="broken", source=broken_source)


async def setup_needing_the_venue(ctx: Context) -> None:
    from common.errors import NetworkError

    attempts = int(await ctx.redis.incr("test:setup_attempts"))
    if attempts < 3:
        raise NetworkError("the venue is not listening yet")
    await ctx.redis.set("test:setup_done", "1")


async def idle(ctx: Context) -> None:
    while await ctx.sleep(0.1):
        pass


VENUE_LATE = WorkerSpec(name="venue-late", source=idle, setup=setup_needing_the_venue)


async def mark_teardown(ctx: Context) -> None:
    await ctx.redis.set("test:teardown_ran", "1")


WITH_TEARDOWN = WorkerSpec(name="with-teardown", source=idle, teardown=mark_teardown)
