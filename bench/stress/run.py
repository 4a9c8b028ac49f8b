"""One speed: a fresh Redis, the local venue, the stages and a recorder as processes, the recording
played through them, the pipeline drained, what it all measured, and the run replayed against itself."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from bench.stress import procs
from bench.stress.measure import Figures, stage_latencies
from bench.stress.outputs import recorded_outputs
from bench.stress.player import Player, PlayReport
from bench.stress.redis_look import LagWatch, drained
from bench.stress.schedule import Schedules
from bench.stress.selfcheck import replay_own_recording
from bench.stress.timeline import RAW_FEEDS, STAGES, Item, counts
from bench.stress.venue import Venue
from common.bus import streams
from common.config import load_settings
from common.ops.memory import RedisMemory, redis_memory
from common.redis_server import EmbeddedRedis
from common.runner.schedule import schedule_stream

MIB = 1024 * 1024


@dataclass
class _Seen:
    """What one run saw, gathered as it goes (so that a failure part way still reports)."""

    report: PlayReport = field(default_factory=PlayReport)
    redis_start_mib: float = float("nan")
    rss_start: dict[str, float] = field(default_factory=dict)
    rss_end: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    memory: RedisMemory | None = None
    stamps: dict[str, list[Any]] = field(default_factory=dict)
    intents: list[tuple[str, str]] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unbounded: list[str] = field(default_factory=list)


async def measure_once(timeline: list[Item], speed: float, ref_transport: str, out_dir: Path,
                       stages: tuple[str, ...] = STAGES, schedules: Schedules | None = None) -> Figures:  # fmt: skip
    """The run at ``speed``; its stages' logs and its own recording go to ``out_dir/<speed>x``;
    ``schedules``: the recorded orders the traced stages follow (none: their concurrent loops race)."""
    schedules = schedules or Schedules(not_followed="not asked")
    run_dir = out_dir / f"{speed:g}x"
    shutil.rmtree(run_dir, ignore_errors=True)
    sent = counts(timeline)
    seen = _Seen()
    with tempfile.TemporaryDirectory(prefix="updown-stress-") as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis", maxmemory_mb=load_settings().redis.maxmemory_mb).start()
        try:
            await _run(server.url, Path(tmp), run_dir, timeline, speed, ref_transport, stages, schedules, seen)
        finally:
            server.stop()
    recorded = recorded_outputs(run_dir / "record")  # the recorder flushed all as it stopped
    seen.stamps, seen.intents, seen.digests = recorded.stamps, recorded.intents, recorded.digests
    check = replay_own_recording(run_dir / "record")
    if not check.ok:
        seen.problems.append(f"{check.line()}; its report:\n{check.output.strip()}")
    stamps = seen.stamps
    return Figures(speed=speed, items=seen.report.items, span_s=sent.span_ms / 1000, elapsed_s=seen.report.elapsed_s,
                   max_behind_s=seen.report.max_behind_s, held_s=seen.report.held_s,
                   latencies=stage_latencies(stamps.get("book", []), stamps.get("ref", []), stamps.get("signal", []),
                                             stamps.get("intent", [])),
                   max_lag_entries=seen.report.lag_entries, max_lag_ms=seen.report.lag_ms,
                   max_lag_at=seen.report.lag_at, redis_start_mib=seen.redis_start_mib,
                   redis_end_mib=seen.memory.used_memory_bytes / MIB if seen.memory else float("nan"),
                   rss_start_mib=seen.rss_start, rss_end_mib=seen.rss_end, cpu_s=seen.cpu,
                   outputs={k: len(v) for k, v in stamps.items()}, intents=seen.intents, feeds=seen.digests,
                   self_check=check.line(), problems=seen.problems, unbounded=seen.unbounded)  # fmt: skip


async def _run(url: str, data: Path, run_dir: Path, timeline: list[Item], speed: float, ref_transport: str,
               stages: tuple[str, ...], schedules: Schedules, seen: _Seen) -> None:  # fmt: skip
    redis = aioredis.Redis.from_url(url)
    venue = Venue()
    async with venue.serving():
        env = procs.stage_env(url, data, venue.url("book"), venue.url("ref"), ref_transport, run_dir / "record",
                              follow=schedules.followed)  # fmt: skip
        running: list[procs.Stage] = []

        def alive() -> bool:
            return all(s.proc.poll() is None for s in running)

        # A stage that follows its schedule takes a written-back entry in its recorded turn, maybe
        # after entries recorded later: the player does not wait for it (it would wait for itself).
        followed = {g for s in schedules.fields for g in (s, streams.ctl_group(procs.instance(s)))}
        for stage, rows in schedules.fields.items():
            for fields in rows:
                await redis.xadd(schedule_stream(stage), fields)
        player = Player(redis, venue, ignored_groups={procs.RECORDER, *followed}, alive=alive)
        seen.report = player.report
        await player.prepare()  # the stand-in ledger is up before the quoter first looks for it
        stop, lag = asyncio.Event(), LagWatch(frozenset(followed))
        side = [asyncio.create_task(player.ledger_alive(stop))]
        running += procs.start((*stages, procs.RECORDER), env, run_dir / "logs")
        try:
            await procs.wait_ready(redis, running, procs.expected_groups(stages, env))
            await venue.wait_connected()
            side.append(asyncio.create_task(lag.run(redis, stop)))
            seen.redis_start_mib = (await redis_memory(redis)).used_memory_bytes / MIB
            seen.rss_start = {s.name: s.rss_mib() for s in running}
            cpu_start = {s.name: s.cpu_s() for s in running}
            await player.play(timeline, speed)
            frames = counts(timeline).frames
            seen.problems += await drained(redis, {f: n for f, n in frames.items() if f in RAW_FEEDS.values()}, alive)
            if player.report.stopped:
                seen.problems.append(f"stopped playing after {player.report.items} of {len(timeline)} items: "
                                     "a stage ended")  # fmt: skip
            seen.cpu = {s.name: s.cpu_s() - cpu_start[s.name] for s in running}
            seen.rss_end = {s.name: s.rss_mib() for s in running}
            seen.memory = await redis_memory(redis)
            seen.problems += await _lost(redis, venue, player.report.barrier_timeouts)
            seen.problems += [f"{s.name} is not running at the end" for s in running if s.proc.poll() is not None]
        finally:
            stop.set()
            await asyncio.gather(*side)
            player.report.lag_entries, player.report.lag_ms, player.report.lag_at = lag.entries, lag.ms, lag.at
            seen.problems += [f"{name} did not stop cleanly" for name in procs.stop(running)]
            await redis.aclose()
    if seen.memory is not None:
        seen.unbounded = _unbounded(seen.memory)


async def _lost(redis: aioredis.Redis, venue: Venue, barrier_timeouts: int) -> list[str]:
    problems = []
    for sock in venue.sockets.values():
        if sock.lost or sock.unsubscribed_sends or sock.connects > 1:
            problems.append(f"{sock.feed} socket: {sock.lost} frames not sent, {sock.unsubscribed_sends} sent "
                            f"before their tokens were subscribed, {sock.connects} connections")  # fmt: skip
    if barrier_timeouts:
        problems.append(f"{barrier_timeouts} entries written back were not taken by every group in time")
    async for key in redis.scan_iter(match="*:dlq", _type="stream"):
        problems.append(f"{key.decode()} holds {await redis.xlen(key)} dead letters")
    return problems


#: Approximate trimming (``MAXLEN ~``) may leave up to one macro node more than asked.
TRIM_SLACK = 100


def _unbounded(memory: RedisMemory) -> list[str]:
    settings = load_settings()
    problems = []
    if memory.maxmemory_bytes and memory.used_memory_bytes >= memory.maxmemory_bytes:
        problems.append(f"Redis at its cap ({memory.used_memory_bytes / MIB:.0f} MiB)")
    for stream, length in memory.streams.items():
        if stream.startswith("raw."):
            bound = settings.recorder.raw_frames_maxlen
        elif streams.retention(stream) is streams.Retention.BOUNDED:
            bound = settings.bus.market_data_maxlen
        else:
            bound = settings.bus.stream_maxlen
        if length > bound + TRIM_SLACK:
            problems.append(f"{stream} holds {length} entries, over its bound {bound}")
    return problems
