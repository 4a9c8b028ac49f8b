"""feed-book under load: a local websocket server replays ``book`` and ``price_change`` frames into
the real feed-book process, which parses them, keeps the books and publishes to Redis.

- Throughput: frames sent as fast as the server can; frames published per second by feed-book.
- Latency at a paced rate: from a frame's arrival in feed-book to its event being on
  ``book.<series>`` (feed-book's own measure, the issue's definition), and from the server's send
  of a frame to a sink reading the resulting event (both wake-ups included: an upper bound).
- With ``--bare``, the latency run again through a bare forwarder (``bench.bare_feed``),
  read back by the same sink: what any feed handler gets on this machine at that moment. Compare
  the sink lines: the bare forwarder's own figure starts a frame's clock only when its previous
  frame's round trip is over, so a frame's wait behind that one is in no figure of its own.
- For each, the CPU time per frame of the forwarding process and of Redis: a figure steal does not
  move, unlike the latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from math import nan
from pathlib import Path

import redis.asyncio as aioredis
import uvloop
from websockets.asyncio.server import ServerConnection, serve

from bench import bare_feed
from bench.floor import ping_floor
from bench.pace import paced
from bench.stats import cpu_now, cpu_per_unit_us, percentile, read_figures
from bench.steal import StealTimeline
from common import state
from common.bus import streams
from common.bus.codec import decode
from common.latency import LATENCY_KEY
from common.redis_server import EmbeddedRedis
from common.schemas.book import BookDelta
from common.schemas.market import MarketRecord, Settlement
from workers.feed_book.worker import SNAPSHOT_INTERVAL_S, SPAN

ROOT = Path(__file__).resolve().parents[1]
SERIES = "btc-updown-15m"
MARKET = "0x" + "ab" * 32
TOKENS = ("1001", "1002")


def record() -> MarketRecord:
    now = int(time.time()) // 900 * 900 * 1000
    return MarketRecord(series=SERIES, slug=f"{SERIES}-{now // 1000}", gamma_id="1", condition_id=MARKET,
                        outcomes=("Up", "Down"), token_ids=TOKENS, protocol_version="v1", window_start_ms=now,
                        window_end_ms=now + 900_000, tick_size_micro=10_000, min_size_micro=5_000_000,
                        fees_enabled=True, rewards_min_size_micro=0, rewards_max_spread_micro=0, neg_risk=False,
                        settlement=Settlement(kind="twap", lookback_s=60), active=True, closed=False,
                        accepting_orders=True)  # fmt: skip


def book_frame(token: str) -> str:
    bids = [{"price": f"0.{p:02d}", "size": "100"} for p in range(1, 45)]
    asks = [{"price": f"0.{p:02d}", "size": "100"} for p in range(99, 55, -1)]
    return json.dumps({"event_type": "book", "asset_id": token, "market": MARKET, "bids": bids, "asks": asks,
                       "timestamp": str(int(time.time() * 1000)), "hash": "x"})  # fmt: skip


def change_frame(seq: int) -> str:
    """A level change whose size encodes the sequence number (so the sink can find its send time)."""
    token = TOKENS[seq % 2]
    price = f"0.{40 + seq % 4:02d}"
    return json.dumps({"event_type": "price_change", "market": MARKET, "timestamp": str(int(time.time() * 1000)),
                       "price_changes": [{"asset_id": token, "price": price, "size": str(seq), "side": "BUY",
                                          "hash": "h", "best_bid": "0.44", "best_ask": "0.56"}]})  # fmt: skip


class Replayer:
    def __init__(self) -> None:
        self.subscribed = asyncio.Event()
        self.conn: ServerConnection | None = None

    async def handler(self, ws: ServerConnection) -> None:
        self.conn = ws
        await ws.recv()
        await ws.send(json.dumps([json.loads(book_frame(t)) for t in TOKENS]))
        self.subscribed.set()
        async for message in ws:
            if message == "PING":
                await ws.send("PONG")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="updown bench feed-book", description=__doc__)
    p.add_argument("--frames", type=int, default=100_000, help="events for the throughput run")
    p.add_argument("--per-frame", type=int, default=10,
                   help="events per frame in the throughput run (the venue sends arrays; 1 = one each)")  # fmt: skip
    p.add_argument("--rate", type=int, default=2_000, help="paced rate for the latency run, frames/s")
    p.add_argument("--seconds", type=float, default=5.0, help="duration of the latency run")
    p.add_argument("--bare", action="store_true",
                   help="then the latency run through a bare forwarder (bench.bare_feed): the same websocket "
                        "client and JSON decoder, one XADD per change, nothing else")  # fmt: skip
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis").start()
        try:
            return uvloop.run(_run(server.url, args, Path(tmp)))
        finally:
            server.stop()


async def _run(url: str, args: argparse.Namespace, tmp: Path) -> int:
    client = aioredis.Redis.from_url(url)
    print("feed-book: local websocket replay -> parse, book state, publish to book.<series> (real process)")
    for mode in ("throughput", "latency", *(("bare",) if args.bare else ())):
        await client.flushall()
        await client.hset(state.MARKETS, "bench", record().model_dump_json())
        replayer = Replayer()
        async with serve(replayer.handler, "127.0.0.1", 0, max_size=None) as ws_server:
            port = ws_server.sockets[0].getsockname()[1]
            ws_url = f"ws://127.0.0.1:{port}"
            proc = _start_bare(url, ws_url) if mode == "bare" else _start_feed_book(url, port, tmp)
            try:
                await asyncio.wait_for(replayer.subscribed.wait(), 30)
                assert replayer.conn is not None
                if mode == "throughput":
                    await _throughput(client, replayer.conn, args.frames, args.per_frame)
                    continue
                lines = await _latency(client, url, replayer.conn, args.rate, args.seconds, proc.pid)
            finally:
                proc.terminate()
                proc.wait(20)
        print(await _own_line(client, mode == "bare", args.rate, int(args.rate * args.seconds)))
        print("\n".join(f"  {line}" for line in lines))
    await client.aclose()
    return 0


async def _own_line(client: aioredis.Redis, bare: bool, rate: int, total: int) -> str:
    """The forwarder's own figure, read once it has stopped (the bare one writes it at its stop;
    feed-book every half second, and the latency run has waited for that)."""
    if bare:
        own = await read_figures(client, bare_feed.RESULT_KEY)
        count, p50, p99 = own.get("count", 0), own.get("p50_ms", nan), own.get("p99_ms", nan)
        head = (f"bare forwarder at {rate} frames/s (websocket client, JSON decoder, one XADD per change; no book, "
                f"envelope or runner): frame received -> on the stream (its own, n={count:.0f})")  # fmt: skip
    else:
        own = await read_figures(client, LATENCY_KEY)
        count, p50, p99 = own.get(SPAN + ".count", 0), own.get(SPAN + ".p50_ms", nan), own.get(SPAN + ".p99_ms", nan)
        head = (f"feed-book at {rate} frames/s ({total} frames): frame received -> its event on the stream "
                f"(feed-book's own {SPAN}, n={count:.0f})")  # fmt: skip
    return f"{head}: p50 {p50 * 1000:.0f} µs, p99 {p99 * 1000:.0f} µs"


async def _cpu_line(client: aioredis.Redis, pid: int, start: tuple[float, float], frames: int) -> str:
    """CPU time per frame of the forwarding process and of Redis since ``start``: a figure that
    steal does not move (stolen time is no one's CPU time), unlike the latencies."""
    used, redis = cpu_per_unit_us(start, await cpu_now(client, pid), frames)
    return f"CPU per frame: {used:.0f} µs in the forwarding process, {redis:.0f} µs in Redis"


def _start_bare(url: str, ws_url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bench.bare_feed", url, ws_url, streams.book(SERIES)],
                            cwd=ROOT)  # fmt: skip


async def pace_frames(conn: ServerConnection, rate: int, seconds: float) -> None:
    """Send ``change_frame``s at ``rate`` per second for ``seconds``."""
    async for seq in paced(rate, int(rate * seconds)):
        await conn.send(change_frame(seq))


def _start_feed_book(url: str, port: int, tmp: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, REDIS_URL=url, UPDOWN_DATA_DIR=str(tmp), UPDOWN_INSTANCE="bench-feed-book",
               UPDOWN_VENUE__WS_MARKET_URL=f"ws://127.0.0.1:{port}", UPDOWN_LOG__LEVEL="WARNING",
               UPDOWN_BUS__MARKET_DATA_MAXLEN="5000000")  # fmt: skip
    profile = os.environ.get("UPDOWN_BENCH_PROFILE")  # a path: run the worker under cProfile
    prefix = ["-m", "cProfile", "-o", f"{profile}.{port}"] if profile else []
    return subprocess.Popen([sys.executable, *prefix, "-m", "cli.main", "worker", "feed-book"], cwd=ROOT,
                            env=env)  # fmt: skip


async def _deltas(client: aioredis.Redis) -> int:
    stream = streams.book(SERIES)
    return int(await client.xlen(stream)) if await client.exists(stream) else 0


async def _throughput(client: aioredis.Redis, conn: ServerConnection, frames: int, per_frame: int) -> None:
    await asyncio.sleep(0.5)
    base = await _deltas(client)
    events = [change_frame(seq) for seq in range(1, frames + 1)]
    # A frame is one event object, or an array of them as the venue batches its events.
    texts = events if per_frame <= 1 else [
        "[" + ",".join(events[i : i + per_frame]) + "]" for i in range(0, len(events), per_frame)
    ]
    started = time.perf_counter()
    for text in texts:
        await conn.send(text)
    sent_s = time.perf_counter() - started
    last, still, done_at = -1, 0, time.perf_counter()
    while still < 100 and last - base < frames:  # every frame gives at least one event
        await asyncio.sleep(0.05)
        now = await _deltas(client)
        if now != last:
            still, done_at = 0, time.perf_counter()
        else:
            still += 1
        last = now
    elapsed = done_at - started
    published = last - base
    print(f"throughput: {frames} price_change events in {len(texts)} frames ({per_frame}/frame) sent in "
          f"{sent_s:.2f} s; {published} events published in {elapsed:.2f} s = {published / elapsed:,.0f} events/s "
          f"({len(texts) / elapsed:,.0f} frames/s)")  # fmt: skip


def frame_sequence(fields: dict[bytes, bytes]) -> int | None:
    """The frame's sequence number from an entry: feed-book's delta (its size), or the bare forwarder's."""
    if b"type" not in fields:
        return int(fields[b"size"])
    body = decode(fields).body
    return body.changes[0][2] // 1_000_000 if isinstance(body, BookDelta) and body.changes else None


async def _latency(client: aioredis.Redis, url: str, conn: ServerConnection, rate: int, seconds: float,
                   pid: int) -> list[str]:  # fmt: skip
    """A paced run read back by a sink; the lines to print under the forwarder's own figure."""
    sink = aioredis.Redis.from_url(url)
    total = int(rate * seconds)
    sent_at: dict[int, int] = {}
    sent_wall: dict[int, float] = {}
    latencies: list[float] = []
    spans: list[tuple[float, float]] = []  # (sent, read) on the wall clock, ms
    stream = streams.book(SERIES)
    last = "$" if await client.exists(stream) else "0"

    async def receive() -> None:
        nonlocal last
        deadline = time.monotonic() + seconds + 10
        while len(latencies) < total and time.monotonic() < deadline:
            reply = await sink.xread({stream: last}, block=500, count=1000)
            now = time.perf_counter_ns()
            for entry_id, fields in (reply[0][1] if reply else []):
                last = entry_id
                seq = frame_sequence(fields)
                if seq in sent_at:
                    latencies.append((now - sent_at[seq]) / 1000)
                    spans.append((sent_wall[seq], sent_wall[seq] + latencies[-1] / 1000))

    task = asyncio.create_task(receive())
    await asyncio.sleep(0.2)
    cpu = await cpu_now(client, pid)
    async with StealTimeline().watching() as timeline:
        async for seq in paced(rate, total):
            text = change_frame(seq)
            sent_at[seq], sent_wall[seq] = time.perf_counter_ns(), time.time() * 1000
            await conn.send(text)
        await task
    used = await _cpu_line(client, pid, cpu, total)
    await asyncio.sleep(2 * SNAPSHOT_INTERVAL_S)  # feed-book writes its latency summary this often
    await sink.aclose()
    latencies.sort()
    return [f"server send -> event read off the stream by a sink (both wake-ups included; {len(latencies)}/{total} "
            f"frames): p50 {percentile(latencies, 50):.0f} µs, p99 {percentile(latencies, 99):.0f} µs, "
            f"max {latencies[-1] if latencies else float('nan'):.0f} µs",
            f"the same, {timeline.quiet_line(spans)}", used, await ping_floor(url, rate), timeline.line()]  # fmt: skip
