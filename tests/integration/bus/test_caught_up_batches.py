"""A consumer that has caught up writes a batch's outputs and acks before it reads again (real Redis).

With the script of a partial batch still in flight during the next read, a paced stream was read
one entry at a time: two round trips per entry for the consumer and for Redis (mean batch 1.9 at
10,000/s in ``updown bench bus``). A full batch (a backlog) still overlaps its script with the
next read, which is what a drain's throughput rests on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from common.bus import streams
from common.bus.codec import encode
from common.bus.connection import connect
from common.bus.envelope import Envelope
from common.bus.reader import Delivery, GroupReader
from common.bus.writer import Emit, Writer
from common.clock import ManualClock
from common.config import load_settings
from common.latency import BUS_HOP, Spans, hop_span
from common.logs import get_logger
from common.runner.consume import Consumer
from common.runner.spec import Context
from common.schemas.heartbeat import Heartbeat
from workers.heartbeat.relay import handle

pytestmark = pytest.mark.integration
#: The read count of these tests' consumer: a batch of fewer entries is partial.
READ_COUNT = 4
SPAN = hop_span("relay", streams.HEARTBEAT)


def beat(seq: int) -> dict[bytes, bytes]:
    return encode(Heartbeat(seq=seq, producer="test"), src="test", event_ms=1, ingest_ms=1, emit_ms=1)


async def consumer(redis_url: str, entries: int) -> tuple[Context, Consumer, Spans, list[Delivery]]:
    settings = load_settings(env={"UPDOWN_REDIS__URL": redis_url, "UPDOWN_BUS__READ_COUNT": str(READ_COUNT)})
    redis, clock = connect(settings.redis), ManualClock()
    ctx = Context(name="relay", instance="relay-0", settings=settings, redis=redis, log=get_logger("relay"),
                  writer=Writer(redis, "relay", settings.bus, clock), clock=clock)  # fmt: skip
    reader = GroupReader(redis, stream=streams.HEARTBEAT, group="relay", consumer="relay-0", cfg=settings.bus,
                         block_ms=0)  # fmt: skip
    await reader.ensure_group()
    for seq in range(1, entries + 1):
        await redis.xadd(streams.HEARTBEAT, beat(seq))
    hops = Spans("relay", {SPAN: BUS_HOP})
    return ctx, Consumer(ctx, reader, handle, hops), hops, await reader.read()


async def closed(ctx: Context, relay: Consumer) -> None:
    await relay.settle()
    await relay.reader.aclose()
    await ctx.writer.aclose()
    await ctx.redis.aclose(close_connection_pool=True)


async def test_a_partial_batch_is_written_and_acked_when_process_returns(redis_url: str) -> None:
    ctx, relay, hops, batch = await consumer(redis_url, READ_COUNT - 1)
    assert len(batch) == READ_COUNT - 1
    try:
        await relay.process(batch)
        # Nothing awaited since: the batch's script has answered already, not on a later turn.
        assert hops.summary().get(f"{SPAN}.count") == str(READ_COUNT - 1)
        assert await ctx.redis.xlen(streams.HEARTBEAT_SEEN) == READ_COUNT - 1
        assert (await ctx.redis.xpending(streams.HEARTBEAT, "relay"))["pending"] == 0
    finally:
        await closed(ctx, relay)


async def test_a_full_batch_overlaps_its_script_with_the_next_read(redis_url: str) -> None:
    ctx, relay, hops, batch = await consumer(redis_url, READ_COUNT)
    try:
        await relay.process(batch)
        assert hops.summary() == {}  # in flight while the next batch is read
        await relay.settle()
        assert hops.summary()[f"{SPAN}.count"] == str(READ_COUNT)
        assert await ctx.redis.xlen(streams.HEARTBEAT_SEEN) == READ_COUNT
        assert (await ctx.redis.xpending(streams.HEARTBEAT, "relay"))["pending"] == 0
    finally:
        await closed(ctx, relay)


async def test_a_decision_early_in_a_burst_is_written_before_the_rest_is_handled(redis_url: str) -> None:
    """Outputs made on a batch's first entry do not wait for its slow last ones (bus.output_wait_ms)."""
    ctx, plain, hops, batch = await consumer(redis_url, READ_COUNT)
    seen_while_handling: list[int] = []

    async def slow_after_the_first(c: Context, env: Envelope) -> Sequence[Emit]:
        outputs = await handle(c, env)
        body = env.body
        assert isinstance(body, Heartbeat)
        if body.seq > 1:
            seen_while_handling.append(await c.redis.xlen(streams.HEARTBEAT_SEEN))
            await asyncio.sleep(0.02)  # a slow entry: longer than the output wait (2 ms)
            return []  # only the first entry decides anything
        return outputs

    relay = Consumer(ctx, plain.reader, slow_after_the_first, hops)
    try:
        await relay.process(batch)
        await relay.settle()
        # The first entry's output waited for the slow second entry (longer than the wait) and then
        # went out, before the third and fourth were handled (before: only after the fourth); every
        # entry was acked once, in order, as before.
        assert seen_while_handling == [0, 1, 1]
        assert await ctx.redis.xlen(streams.HEARTBEAT_SEEN) == 1
        assert (await ctx.redis.xpending(streams.HEARTBEAT, "relay"))["pending"] == 0
        assert hops.summary()[f"{SPAN}.count"] == str(READ_COUNT)
    finally:
        await closed(ctx, relay)
