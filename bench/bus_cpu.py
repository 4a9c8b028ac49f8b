"""The relay's Python work per message beside the bare relay's, in one process, with no sockets.

What ``updown bench bus`` cannot hold still on a shared machine: its CPU per message moves with the
batch sizes the pacing happens to give and with the other processes' load. Here both loops run the
same batches of ``--batch`` entries read from memory, their scripts packed (``hiredis``) but not
sent: the runner's ``Consumer`` with the real ``hb-relay`` handler, writer batch and hop span,
against ``bench.bare_relay``'s loop body. Best of ``--rounds`` runs each, CPU time of this process.
Redis's work and the socket calls, the same for both, are left out: the ratio printed is an upper
bound of the whole relay's.

    python -m bench.bus_cpu [--batch 1,3,10] [--messages 30000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from typing import Any

import fakeredis.aioredis
import hiredis

from bench.bare_relay import emit_args
from common.bus import streams
from common.bus.codec import Fields, encode
from common.bus.lane import LaneScript
from common.bus.reader import Delivery
from common.bus.scripts import EMIT_BATCH
from common.bus.writer import Writer
from common.clock import SYSTEM_CLOCK
from common.config.settings import Settings
from common.latency import BUS_HOP, Spans, hop_span
from common.logs import get_logger
from common.runner.consume import Consumer
from common.runner.spec import Context
from common.schemas.heartbeat import Heartbeat
from workers.heartbeat.relay import SPEC

Entries = list[tuple[bytes, Fields]]


class _Reader:
    """What the consumer asks of its reader while processing: the stream and group names."""

    stream, group, consumer = streams.HEARTBEAT, SPEC.name, "bench"


class MemoryLane:
    """A lane whose script calls are packed as for the wire and answered at once."""

    async def evalsha(self, script: LaneScript, keys: Sequence[Any], args: Sequence[Any]) -> int:
        hiredis.pack_command(("EVALSHA", script.sha, len(keys), *keys, *args))
        return len(args)


def entries(batch: int) -> Entries:
    now = SYSTEM_CLOCK.stamp_ms()
    return [(f"{i}-0".encode(), encode(Heartbeat(seq=i, producer="bench"), src="bench", event_ms=int(now),
                                       ingest_ms=now, emit_ms=now)) for i in range(1, batch + 1)]  # fmt: skip


async def relay_us(batch: Entries, batches: int) -> float:
    """The runner's consumer: per batch, the deliveries made as the reader makes them, then ``process``."""
    settings = Settings()
    writer = Writer(fakeredis.aioredis.FakeRedis(), SPEC.name, settings.bus, SYSTEM_CLOCK)
    writer._lane = MemoryLane()  # type: ignore[assignment]
    ctx = Context(name=SPEC.name, instance="bench", settings=settings, redis=writer._redis, writer=writer,
                  log=get_logger(SPEC.name), clock=SYSTEM_CLOCK)  # fmt: skip
    span = hop_span(SPEC.name, streams.HEARTBEAT)
    assert SPEC.handle is not None
    consumer = Consumer(ctx, _Reader(), SPEC.handle, Spans(SPEC.name, {span: BUS_HOP}))  # type: ignore[arg-type]
    started = time.process_time()
    for _ in range(batches):
        await consumer.process([Delivery(streams.HEARTBEAT, i.decode(), f, 1) for i, f in batch])
    await consumer.settle()
    return (time.process_time() - started) / (batches * len(batch)) * 1e6


async def bare_us(batch: Entries, batches: int) -> float:
    """``bench.bare_relay``'s loop body on the same batches."""
    lane, script, hops = MemoryLane(), LaneScript(EMIT_BATCH), []
    started = time.process_time()
    for _ in range(batches):
        args, emitted = emit_args(SPEC.name, "marker", batch)
        await lane.evalsha(script, [streams.HEARTBEAT, streams.HEARTBEAT_SEEN], args)
        now = SYSTEM_CLOCK.stamp_ms()
        hops += [now - emit_ms for emit_ms in emitted]
    return (time.process_time() - started) / (batches * len(batch)) * 1e6


async def run(args: argparse.Namespace) -> None:
    print("Python CPU per message, in process, no sockets (best of rounds): the relay's consumer vs the bare loop")
    for size in (int(b) for b in args.batch.split(",")):
        batch, batches = entries(size), max(1, args.messages // size)
        ours, bare = [], []
        for _ in range(args.rounds):
            ours.append(await relay_us(batch, batches))
            bare.append(await bare_us(batch, batches))
        relay, base = min(ours), min(bare)
        print(f"  batch {size:>3}: relay {relay:6.1f} µs, bare {base:6.1f} µs, ratio {relay / base:.2f}")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.bus_cpu", description=__doc__.splitlines()[0])
    p.add_argument("--batch", default="1,3,10", help="entries per batch (the paced bus bench reads 2-5)")
    p.add_argument("--messages", type=int, default=30_000)
    p.add_argument("--rounds", type=int, default=5)
    asyncio.run(run(p.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
