"""``updown replay DIR``: a recording's inputs through the real alpha and quoter, outputs compared.

Each stage is replayed on its own recorded inputs (the quoter on the recorded signals, not on the
replayed alpha's: with every signal identical, the two are the same), on a fresh embedded Redis,
decision by decision as its traces say (``cli.replay_``). It prints ``replay: N of M intents
identical`` (and signals, for alpha), the first difference in full, and exits 0 only when every
compared output is identical. See README, "Replay".
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import redis.asyncio as aioredis

from cli.main import parser
from cli.replay_.compare import Tally, report
from cli.replay_.plan import Feeder, Run, batches, entry_clock_ms, runs_of, split_trigger
from cli.replay_.stage import StageReplay
from common import logs
from common.bus import streams
from common.bus.codec import decode
from common.bus.connection import connect
from common.config import load_settings
from common.config.settings import Settings
from common.redis_server import EmbeddedRedis
from common.runner.tracing import digest
from common.schemas.base import load_all
from common.schemas.trace import DecisionTrace
from common.series import parse_series
from workers.recorder.reading import read_recording

#: The replayed stages log at this level and above (to stderr).
REPLAY_LOG_LEVEL = "ERROR"
#: A progress line at most this often on a long replay.
PROGRESS_EVERY_S = 5.0
#: What each stage's comparison counts, and the streams it writes them to.
COMPARED = {"quoter": ("intents", "intent."), "alpha": ("signals", "signal.")}
#: Replayed in this order (alpha first: its signals are the quoter's input).
STAGE_ORDER = ("alpha", "quoter")


@dataclass(frozen=True)
class Options:
    root: Path
    stages: tuple[str, ...]
    from_ms: int = 0
    to_ms: int | None = None
    series: str | None = None
    #: Times the recorded pace; None: as fast as it goes.
    speed: float | None = None


def main(argv: list[str]) -> int:
    p = parser("replay", "replay a recording through the real alpha and quoter and compare their outputs")
    p.add_argument("dir", type=Path, help="the recording (var/record: the folder of <UTC date> folders)")
    p.add_argument("--from", dest="from_t", default=None, help="compare from this time (ms, or ISO UTC)")
    p.add_argument("--to", dest="to_t", default=None, help="compare up to this time (ms, or ISO UTC)")
    p.add_argument("--series", default=None, help="compare this series only (btc-60s or btc-updown-60s)")
    p.add_argument("--speed", default="max", help="N times the recorded pace, or max (default)")
    p.add_argument("--stages", default="alpha,quoter", help="comma-separated: alpha, quoter")
    args = p.parse_args(argv)
    stages = tuple(s.strip() for s in args.stages.split(",") if s.strip())
    unknown = [s for s in stages if s not in COMPARED]
    if unknown or not stages:
        print(f"updown replay: --stages takes {', '.join(STAGE_ORDER)}; not {', '.join(unknown) or 'nothing'}",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        speed = None if args.speed == "max" else float(args.speed)
        if speed is not None and speed <= 0:
            raise ValueError(args.speed)
        opts = Options(root=args.dir, stages=tuple(s for s in STAGE_ORDER if s in stages),
                       from_ms=parse_time(args.from_t) if args.from_t else 0,
                       to_ms=parse_time(args.to_t) if args.to_t else None,
                       series=series_key(args.series) if args.series else None, speed=speed)  # fmt: skip
    except ValueError as exc:
        print(f"updown replay: {exc}", file=sys.stderr)
        return 2
    if not any(opts.root.glob("*/*.jsonl.gz")):
        print(f"updown replay: no recording in {opts.root} (expected <UTC date>/<stream>.<HH>.<NNN>.jsonl.gz)",
              file=sys.stderr)  # fmt: skip
        return 2
    load_all()
    # The stages' own log lines (a trust change, a control command) would drown the report.
    logs.configure("replay", REPLAY_LOG_LEVEL)
    return asyncio.run(replay(opts))


def parse_time(text: str) -> int:
    """Milliseconds since the epoch, given as such or as an ISO time (UTC unless it says)."""
    if text.isdigit():
        return int(text)
    t = datetime.fromisoformat(text)
    return int((t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp() * 1000)


def series_key(text: str) -> str:
    """The bus name of a series given either way (``btc-60s`` or ``btc-updown-60s``)."""
    return text if "-updown-" in text else parse_series(text).key


async def replay(opts: Options) -> int:
    ok = True
    with tempfile.TemporaryDirectory(prefix="updown-replay-") as tmp, EmbeddedRedis(Path(tmp)) as server:
        settings = load_settings(env={**os.environ, "UPDOWN_REDIS__URL": server.url})
        for stage in opts.stages:
            noun, prefix = COMPARED[stage]
            tally = Tally(prefix)
            started = time.monotonic()
            entries = await replay_stage(opts, settings, stage, tally)
            took = time.monotonic() - started
            for line in report(tally, noun):
                print(line)
            print(f"replay: {stage}: {entries} entries and {tally.decisions} decisions in {took:.1f} s "
                  f"({entries / max(took, 1e-9):.0f} entries/s)")  # fmt: skip
            if tally.recorded == 0:
                print(f"replay: {stage}: no {noun} recorded in the compared window: nothing shown identical")
            ok = ok and tally.recorded > 0 and tally.identical == tally.recorded and tally.extra == 0
    return 0 if ok else 1


async def replay_stage(opts: Options, settings: Settings, stage: str, tally: Tally) -> int:
    """Every recorded run of ``stage`` replayed into ``tally``; the entries handed over."""
    runs = runs_of(_traces(opts.root, stage))
    referenced = {o for run in runs for t in run.decisions for o in t.outputs}
    for r in read_recording(opts.root, lambda s: s.startswith(tally.prefix)):
        body = decode(r.fields, r.id).body
        name = f"{r.stream} {digest(body)}"
        tally.recorded_bodies[name] = body
        if name not in referenced and opts.from_ms <= r.ms and (opts.to_ms is None or r.ms < opts.to_ms) \
                and tally.compared(r.stream, opts.series):  # fmt: skip
            tally.recorded += 1  # written by no traced decision: cannot be shown identical
    if not runs:
        print(f"replay: {stage}: no decision traces in {opts.root} (trace.{stage}: recorded with runner.trace off?)")
        return 0
    total = 0
    redis = connect(settings.redis)
    try:
        for run in runs:
            await redis.flushall()
            total += await _replay_run(opts, settings, redis, stage, run, tally)
    finally:
        await redis.aclose(close_connection_pool=True)
    return total


async def _replay_run(
    opts: Options, settings: Settings, redis: aioredis.Redis, stage: str, run: Run, tally: Tally
) -> int:
    replay = StageReplay(stage, settings, redis, run.run_ms, start_ms=0 if run.event_clock else run.run_ms)
    wanted = {*replay.input_streams(), streams.CTL}
    unread = sorted({s for t in run.decisions for s in t.handled} - wanted)
    if unread:
        print(f"replay: {stage}: the recorded run read {', '.join(unread)}, which this configuration does not "
              "(replay with the mode and series it ran with: UPDOWN_MODE, UPDOWN_SERIES)")  # fmt: skip
    start = {**run.start, streams.CTL: f"{run.run_ms}-0"}
    feeder = Feeder(read_recording(opts.root, lambda s: s in wanted), start, run.pending)
    try:
        await replay.start(feeder.prime())  # every entry before a start mark: what the run found in Redis
        await _decisions(opts, stage, run, replay, feeder, tally)
    finally:
        await replay.close()
    return replay.entries


async def _decisions(opts: Options, stage: str, run: Run, replay: StageReplay, feeder: Feeder, tally: Tally) -> None:
    pace = _Pace(opts.speed, run.decisions[0].clock_ms if run.decisions else run.run_ms)
    previous_ms = 0 if run.event_clock else run.run_ms
    for n, trace in enumerate(run.decisions, 1):
        if opts.to_ms is not None and trace.clock_ms >= opts.to_ms:
            break
        await pace.until(trace.clock_ms)
        made_before = len(replay.tracer.made)
        entries, trigger = split_trigger(feeder.take(trace.order), trace)
        clock_ms = previous_ms  # the stage's clock (on an event clock: the latest event time it saw)
        for batch in batches(entries):
            times = []
            for r in batch:  # each at the time the stage read when it handled it
                times.append(entry_clock_ms(r, clock_ms, run.event_clock))
                clock_ms = max(clock_ms, times[-1])
            await replay.hand(batch, times)
        if trace.kind == "entry" and trigger is not None:
            await replay.hand([trigger], [trace.clock_ms])
        elif trace.kind == "source":
            await replay.source_decision(trace)
        if trace.clock_ms >= opts.from_ms:
            tally.add(trace, [e for m in replay.tracer.made[made_before:] for e in m.outputs], opts.series)
        # On an event clock a handler reads its own entry's time, the clock the latest of them all.
        previous_ms = max(clock_ms, trace.clock_ms) if run.event_clock else trace.clock_ms
        pace.progress(stage, replay.entries, n, len(run.decisions), trace.clock_ms)


def _traces(root: Path, stage: str) -> Iterator[DecisionTrace]:
    for r in read_recording(root, lambda s: s == streams.trace(stage)):
        body = decode(r.fields, r.id).body
        if isinstance(body, DecisionTrace):
            yield body


class _Pace:
    """N times the recorded pace (or none), and a progress line every ``PROGRESS_EVERY_S``."""

    def __init__(self, speed: float | None, first_ms: int) -> None:
        self._speed = speed
        self._first_ms = first_ms
        self._started = time.monotonic()
        self._next_line = self._started + PROGRESS_EVERY_S

    async def until(self, clock_ms: int) -> None:
        if self._speed is None:
            return
        due = self._started + (clock_ms - self._first_ms) / 1000 / self._speed
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    def progress(self, stage: str, entries: int, decisions: int, total: int, clock_ms: int) -> None:
        now = time.monotonic()
        if now < self._next_line:
            return
        self._next_line = now + PROGRESS_EVERY_S
        at = datetime.fromtimestamp(clock_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
        print(f"replay: {stage}: {entries} entries, decision {decisions} of {total} (recorded time {at} UTC)",
              flush=True)  # fmt: skip
