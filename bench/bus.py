"""One bus hop, measured with a real redis-server and the real relay worker in its own process.

A hop: the producer's XADD of an envelope, the relay's XREADGROUP, decode and validate, then its
XADD + XACK in one script. Two figures:

- hop: the relay's own ``bus_hop`` span, which every transforming stage keeps: the envelope's emit
  stamp (taken just before the producer's XADD) to the relay's XADD + XACK answered;
- to sink: from just before the XADD to a sink reading the relay's output, which adds the sink's
  own XREAD wake-up: an upper bound.

Beside them: the CPU each message costs the relay and Redis, the host's steal during the run
(``bench.steal``), and the machine's floor (a bare PING round trip at the same rate,
``bench.floor``). With ``--bare``, each rate runs a second time through a bare relay
(``bench.bare_relay``: the same codec and batch script without the runner): the hop any
relay gets on this machine at that moment.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from math import nan
from pathlib import Path

import redis.asyncio as aioredis
import uvloop

from bench import bare_relay
from bench.floor import ping_floor
from bench.pace import paced
from bench.stats import cpu_now, cpu_per_unit_us, percentile, read_figures
from bench.steal import StealTimeline
from common.bus import streams
from common.bus.codec import decode, encode
from common.bus.lane import open_lane
from common.clock import SYSTEM_CLOCK
from common.latency import LATENCY_KEY, hop_span
from common.redis_server import EmbeddedRedis
from common.schemas.heartbeat import Heartbeat, HeartbeatSeen

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="updown bench bus", description=__doc__)
    p.add_argument("--rates", default="1000,10000", help="paced rates to measure, msgs/s")
    p.add_argument("--seconds", type=float, default=5.0, help="duration of each paced run")
    p.add_argument("--drain", type=int, default=100_000, help="backlog size for the max-rate run")
    p.add_argument("--bare", action="store_true",
                   help="after each rate's run, the same run through a bare relay (bench.bare_relay): "
                        "the same codec and script without the runner, what any relay gets here")  # fmt: skip
    args = p.parse_args(argv)
    url = os.environ.get("REDIS_URL")
    with tempfile.TemporaryDirectory() as tmp:
        server = None if url else EmbeddedRedis(Path(tmp) / "redis").start()
        try:
            return uvloop.run(_run(url or server.url, args, Path(tmp)))  # type: ignore[union-attr]
        finally:
            if server:
                server.stop()


async def _run(url: str, args: argparse.Namespace, tmp: Path) -> int:
    client = aioredis.Redis.from_url(url)
    print("one hop: XADD envelope -> XREADGROUP, decode, validate -> XADD + XACK (real relay process)")
    print(f"{'':26} {'hop (µs)':^19} {'to sink (µs)':^29} {'cpu per msg (µs)':^19}")
    print(f"{'rate/s':>8} {'sent':>8} {'got':>8} {'p50':>9} {'p99':>9} {'p50':>9} {'p99':>9} {'max':>9}"
          f" {'relay':>9} {'redis':>9} {'steal':>7}")  # fmt: skip
    floors = []
    for rate in (int(r) for r in args.rates.split(",")):
        rows = []
        for bare in (False, True) if args.bare else (False,):
            line, figures = await _row(client, url, tmp, rate, args.seconds, bare)
            floors.append(line)
            rows.append(figures)
        if len(rows) == 2:
            print(_ratios(*rows))
        floors.append(await ping_floor(url, rate))
    for line in floors:
        print(line)
    print("steal: of the CPU time this machine wanted during the run, the share its host gave to other guests")
    await client.flushall()
    await _prefill(client, args.drain)
    relay = _start_relay(url, tmp)
    started = time.perf_counter()
    first: float | None = None
    done = 0
    try:
        while done < args.drain:
            done = int(await client.xlen(streams.HEARTBEAT_SEEN)) if await client.exists(streams.HEARTBEAT_SEEN) else 0
            if done and first is None:
                first, first_count = time.perf_counter(), done
            await asyncio.sleep(0.005)
        finished = time.perf_counter()
    finally:
        relay.terminate()
        relay.wait(20)
    assert first is not None
    rate = (args.drain - first_count) / (finished - first)
    print(f"max sustained through one consumer: {args.drain} messages drained at {rate:,.0f} msgs/s "
          f"(from its first output; the relay's start-up took {first - started:.2f} s)")  # fmt: skip
    await client.aclose()
    return 0


async def _row(client: aioredis.Redis, url: str, tmp: Path, rate: int, seconds: float, bare: bool,
               ) -> tuple[str, dict[str, float]]:  # fmt: skip
    """One paced run through the relay worker (or the bare relay): prints its row, returns its
    quiet-slice line and its figures (hop p50/p99 µs, relay CPU per message µs)."""
    await client.flushall()
    relay = _start_bare(url) if bare else _start_relay(url, tmp)
    try:
        await _wait_group(client)
        cpu = await cpu_now(client, relay.pid)
        async with StealTimeline().watching() as timeline:
            sent, lat, spans = await _paced(client, url, rate, seconds)
        relay_cpu, redis_cpu = cpu_per_unit_us(cpu, await cpu_now(client, relay.pid), sent)
    finally:
        relay.terminate()
        relay.wait(20)
    lat.sort()
    # Both relays write their hop percentiles at their stop: the bare one under its own key, the
    # worker as its bus_hop span in the latency summary.
    key, prefix = (bare_relay.RESULT_KEY, "") if bare else (LATENCY_KEY, hop_span("hb-relay", streams.HEARTBEAT) + ".")
    hop = await read_figures(client, key)
    label = f"{'bare':>8}" if bare else f"{rate:>8}"
    figures = {"p50": hop.get(prefix + "p50_ms", nan) * 1000, "p99": hop.get(prefix + "p99_ms", nan) * 1000,
               "cpu": relay_cpu}  # fmt: skip
    print(f"{label} {sent:>8} {len(lat):>8} {figures['p50']:>9.0f} {figures['p99']:>9.0f} "
          f"{percentile(lat, 50):>9.0f} {percentile(lat, 99):>9.0f} {lat[-1] if lat else float('nan'):>9.0f} "
          f"{relay_cpu:>9.0f} {redis_cpu:>9.0f} {timeline.share():>7.0%}")  # fmt: skip
    return f"{rate}/s {'bare relay' if bare else 'relay'} to sink, {timeline.quiet_line(spans)}", figures


def _ratios(relay: dict[str, float], bare: dict[str, float]) -> str:
    """The relay's figures over the bare relay's, same rate, one run after the other."""
    return (f"{'relay/bare':>26} {relay['p50'] / bare['p50']:>9.2f} {relay['p99'] / bare['p99']:>9.2f} "
            f"{'':>29} {relay['cpu'] / bare['cpu']:>9.2f}")  # fmt: skip


def _start_bare(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bench.bare_relay", url], cwd=ROOT)


def _start_relay(url: str, tmp: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, REDIS_URL=url, UPDOWN_DATA_DIR=str(tmp), UPDOWN_INSTANCE="bench-relay",
               UPDOWN_LOG__LEVEL="WARNING", UPDOWN_BUS__MARKET_DATA_MAXLEN="1000000")  # fmt: skip
    profile = os.environ.get("UPDOWN_BENCH_PROFILE")  # a path: run the relay under cProfile
    prefix = ["-m", "cProfile", "-o", f"{profile}.{time.time_ns()}"] if profile else []
    return subprocess.Popen([sys.executable, *prefix, "-m", "cli.main", "worker", "hb-relay"], cwd=ROOT,
                            env=env)  # fmt: skip


async def _wait_group(client: aioredis.Redis) -> None:
    for _ in range(400):
        if await client.exists(streams.HEARTBEAT) and await client.xinfo_groups(streams.HEARTBEAT):
            await asyncio.sleep(0.2)
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the relay did not create its group")


async def _paced(client: aioredis.Redis, url: str, rate: int, seconds: float,
                 ) -> tuple[int, list[float], list[tuple[float, float]]]:  # fmt: skip
    """Sent count, to-sink latencies (µs), and each sample's (sent, received) on the wall clock (ms)."""
    total = int(rate * seconds)
    sent_at: dict[int, int] = {}
    sent_wall: dict[int, float] = {}
    latencies: list[float] = []
    spans: list[tuple[float, float]] = []
    # The producer and the sink use the bus's own lanes, as the workers do.
    producer, sink = open_lane(client), open_lane(client)

    async def receive() -> None:
        last = "0"
        while len(latencies) < total:
            reply = await sink.xread(streams.HEARTBEAT_SEEN, last, block_ms=1000, count=1000)
            if not reply:
                if len(latencies) and time.perf_counter() - start > seconds + 5:
                    return
                continue
            now = time.perf_counter_ns()
            for entry_id, fields in reply:
                last = entry_id.decode()
                assert fields is not None
                body = decode(fields).body
                assert isinstance(body, HeartbeatSeen)
                latencies.append((now - sent_at[body.seq]) / 1000)
                spans.append((sent_wall[body.seq], sent_wall[body.seq] + latencies[-1] / 1000))

    start = time.perf_counter()
    task = asyncio.create_task(receive())
    async for seq in paced(rate, total):
        now_ms = SYSTEM_CLOCK.stamp_ms()
        fields = encode(Heartbeat(seq=seq, producer="bench"), src="bench", event_ms=int(now_ms),
                        ingest_ms=now_ms, emit_ms=now_ms)  # fmt: skip
        sent_at[seq], sent_wall[seq] = time.perf_counter_ns(), time.time() * 1000
        await producer.xadd(streams.HEARTBEAT, fields)
    await asyncio.wait_for(task, timeout=seconds + 30)
    await sink.aclose()
    await producer.aclose()
    return total, latencies, spans


async def _prefill(client: aioredis.Redis, count: int) -> None:
    pipe = client.pipeline(transaction=False)
    for seq in range(1, count + 1):
        pipe.xadd(streams.HEARTBEAT, encode(Heartbeat(seq=seq, producer="bench"), src="bench", event_ms=0,
                                            ingest_ms=0, emit_ms=0))  # fmt: skip
        if seq % 5_000 == 0:
            await pipe.execute()
    await pipe.execute()
