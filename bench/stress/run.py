"""One speed: a fresh Redis, the local venue, the stages as processes, the recording played through
them, the pipeline drained, and what it all measured."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from bench.stress import procs
from bench.stress.measure import Figures, Stamp, stage_latencies
from bench.stress.player import Player
from bench.stress.timeline import RAW_FEEDS, STAGES, Item, counts
from bench.stress.venue import Venue
from common.bus import streams
from common.bus.codec import decode
from common.config import load_settings
from common.ops.memory import redis_memory
from common.redis_server import EmbeddedRedis

#: How long the stages get, once everything is played, to take and answer all of it.
DRAIN_WAIT_S = 60.0
#: How often the groups' lag is sampled while the recording plays.
LAG_SAMPLE_S = 0.2
#: Entries read per XRANGE call when the outputs are collected.
READ_CHUNK = 5_000
MIB = 1024 * 1024


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _ms(entry_id: str) -> int:
    return int(entry_id.split("-")[0])


async def group_lags(redis: aioredis.Redis) -> list[tuple[str, str, int, int, int]]:
    """(stream, group, lag entries, lag ms, pending) of every group of every stream; the lag in ms is
    the age of the oldest entry not yet delivered to the group (0 when it has them all)."""
    out = []
    seconds, micros = await redis.time()
    now_ms = seconds * 1000 + micros // 1000
    async for key in redis.scan_iter(_type="stream", count=1_000):
        stream = _text(key)
        try:
            groups = await redis.xinfo_groups(stream)
            newest = _text((await redis.xinfo_stream(stream))["last-generated-id"])
        except aioredis.ResponseError:
            continue
        for g in groups:
            delivered, lag_ms = _text(g["last-delivered-id"]), 0
            if newest != delivered:
                waiting = await redis.xrange(stream, "(" + delivered, "+", count=1)
                lag_ms = max(0, now_ms - _ms(_text(waiting[0][0]))) if waiting else 0
            out.append((stream, _text(g["name"]), int(g.get("lag") or 0), lag_ms, int(g["pending"])))
    return out


class LagWatch:
    def __init__(self) -> None:
        self.entries, self.ms, self.at = 0, 0, ""

    async def run(self, redis: aioredis.Redis, stop: asyncio.Event) -> None:
        while not stop.is_set():
            for stream, group, entries, ms, _ in await group_lags(redis):
                if (ms, entries) > (self.ms, self.entries):
                    self.entries, self.ms, self.at = entries, ms, f"{group} on {stream}"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LAG_SAMPLE_S)


async def drained(redis: aioredis.Redis, sent: dict[str, int]) -> list[str]:
    """Wait until the feeds received every frame sent and every group took everything; what is left."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_WAIT_S
    while True:
        left = [f"{feed} feed received {await redis.xlen(streams.raw(feed))} of {n} frames"
                for feed, n in sent.items() if await redis.xlen(streams.raw(feed)) < n]  # fmt: skip
        left += [f"group {g} on {s}: {lag} not delivered, {pending} pending"
                 for s, g, lag, _, pending in await group_lags(redis) if lag or pending]  # fmt: skip
        if not left or loop.time() > deadline:
            return left
        await asyncio.sleep(0.1)


async def read_stream(redis: aioredis.Redis, stream: str) -> list[tuple[str, dict[bytes, bytes]]]:
    out: list[tuple[str, dict[bytes, bytes]]] = []
    start = "-"
    while True:
        rows = await redis.xrange(stream, start, "+", count=READ_CHUNK)
        out += [(_text(i), f) for i, f in rows]
        if len(rows) < READ_CHUNK:
            return out
        start = "(" + _text(rows[-1][0])


def stamp(fields: dict[bytes, bytes]) -> Stamp:
    return Stamp(int(fields[b"event_ms"]), float(fields[b"ingest_ms"]), float(fields[b"emit_ms"]))


async def outputs(redis: aioredis.Redis) -> tuple[dict[str, list[Stamp]], list[tuple[str, str]], list[str]]:
    """The stages' entries by kind (stamps), the intents (id, content), and streams trimmed meanwhile."""
    by_kind: dict[str, list[Stamp]] = {"book": [], "ref": [], "signal": [], "intent": []}
    intents: list[tuple[str, str]] = []
    trimmed = []
    async for key in redis.scan_iter(_type="stream", count=1_000):
        stream = _text(key)
        kind = stream.split(".", 1)[0]
        if kind not in by_kind or stream.endswith(":dlq"):
            continue
        rows = await read_stream(redis, stream)
        added = int((await redis.xinfo_stream(stream)).get("entries-added", len(rows)))
        if added != len(rows):
            trimmed.append(f"{stream} kept {len(rows)} of {added} entries")
        by_kind[kind] += [stamp(f) for _, f in rows]
        if kind == "intent":
            for _, f in rows:
                body = decode(f).body
                intents.append((getattr(body, "intent_id", ""), body.model_dump_json()))
    return by_kind, intents, trimmed


async def measure_once(timeline: list[Item], speed: float, ref_transport: str, log_dir: Path,
                       stages: tuple[str, ...] = STAGES) -> Figures:  # fmt: skip
    sent = counts(timeline)
    with tempfile.TemporaryDirectory(prefix="updown-stress-") as tmp:
        data = Path(tmp)
        server = EmbeddedRedis(data / "redis", maxmemory_mb=load_settings().redis.maxmemory_mb).start()
        try:
            return await _measure(server.url, data, timeline, speed, ref_transport, log_dir, stages, sent.frames,
                                  sent.span_ms / 1000)  # fmt: skip
        finally:
            server.stop()


async def _measure(url: str, data: Path, timeline: list[Item], speed: float, ref_transport: str, log_dir: Path,
                   stages: tuple[str, ...], frames: dict[str, int], span_s: float) -> Figures:  # fmt: skip
    redis = aioredis.Redis.from_url(url)
    venue = Venue()
    problems: list[str] = []
    async with venue.serving():
        env = procs.stage_env(url, data, venue.url("book"), venue.url("ref"), ref_transport)
        player = Player(redis, venue)
        await player.prepare()  # the stand-in ledger is up before the quoter first looks for it
        stop, lag = asyncio.Event(), LagWatch()
        side = [asyncio.create_task(player.ledger_alive(stop))]
        running = procs.start(stages, env, log_dir / f"{speed:g}x")
        try:
            await procs.wait_ready(redis, running, procs.expected_groups(stages, env))
            await venue.wait_connected()
            side.append(asyncio.create_task(lag.run(redis, stop)))
            redis_start = (await redis_memory(redis)).used_memory_bytes / MIB
            rss_start = {s.name: s.rss_mib() for s in running}
            cpu_start = {s.name: s.cpu_s() for s in running}
            report = await player.play(timeline, speed)
            problems += await drained(redis, {f: n for f, n in frames.items() if f in RAW_FEEDS.values()})
            cpu = {s.name: s.cpu_s() - cpu_start[s.name] for s in running}
            rss_end = {s.name: s.rss_mib() for s in running}
            memory = await redis_memory(redis)
            by_kind, intents, trimmed = await outputs(redis)
            problems += trimmed + await _lost(redis, venue, report.barrier_timeouts)
            problems += [f"{s.name} is not running at the end" for s in running if s.proc.poll() is not None]
        finally:
            stop.set()
            await asyncio.gather(*side)
            problems += [f"{name} did not stop cleanly" for name in procs.stop(running)]
            await redis.aclose()
    problems += _unbounded(memory)
    return Figures(speed=speed, items=report.items, span_s=span_s, elapsed_s=report.elapsed_s,
                   max_behind_s=report.max_behind_s,
                   latencies=stage_latencies(by_kind["book"], by_kind["ref"], by_kind["signal"], by_kind["intent"]),
                   max_lag_entries=lag.entries, max_lag_ms=lag.ms, max_lag_at=lag.at, redis_start_mib=redis_start,
                   redis_end_mib=memory.used_memory_bytes / MIB, rss_start_mib=rss_start, rss_end_mib=rss_end,
                   cpu_s=cpu, outputs={k: len(v) for k, v in by_kind.items()}, intents=intents,
                   problems=problems)  # fmt: skip


async def _lost(redis: aioredis.Redis, venue: Venue, barrier_timeouts: int) -> list[str]:
    problems = []
    for sock in venue.sockets.values():
        if sock.lost or sock.unsubscribed_sends or sock.connects > 1:
            problems.append(f"{sock.feed} socket: {sock.lost} frames not sent, {sock.unsubscribed_sends} sent "
                            f"before their tokens were subscribed, {sock.connects} connections")  # fmt: skip
    if barrier_timeouts:
        problems.append(f"{barrier_timeouts} entries written back were not taken by every group in time")
    async for key in redis.scan_iter(match="*:dlq", _type="stream"):
        problems.append(f"{_text(key)} holds {await redis.xlen(key)} dead letters")
    return problems


def _unbounded(memory: Any) -> list[str]:
    settings = load_settings()
    problems = []
    if memory.maxmemory_bytes and memory.used_memory_bytes >= memory.maxmemory_bytes:
        problems.append(f"Redis at its cap ({memory.used_memory_bytes / MIB:.0f} MiB)")
    for stream, length in memory.streams.items():
        bound = _bound(stream, settings)
        if length > bound:
            problems.append(f"{stream} holds {length} entries, over its bound {bound}")
    return problems


#: Approximate trimming (``MAXLEN ~``) may leave up to one macro node more than asked.
TRIM_SLACK = 100


def _bound(stream: str, settings: Any) -> int:
    if stream.startswith("raw."):
        return int(settings.recorder.raw_frames_maxlen) + TRIM_SLACK
    if streams.retention(stream) is streams.Retention.BOUNDED:
        return int(settings.bus.market_data_maxlen) + TRIM_SLACK
    return int(settings.bus.stream_maxlen) + TRIM_SLACK
