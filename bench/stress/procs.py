"""The stages under test as the bot runs them: each ``updown worker NAME`` a process of its own,
against the run's Redis and the local venue; ready once every consumer group it reads through
exists (the market-data groups start at ``$``: what comes before them is not theirs)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.stats import process_cpu_s
from common.bus import streams
from common.config import load_settings
from common.runner.schedule import schedule_stream
from workers.registry import load

ROOT = Path(__file__).resolve().parents[2]
#: How long the stages get to start and make their groups.
READY_WAIT_S = 60.0
#: How long a stage gets to stop on SIGTERM before it is killed (the runner stops in 8 s).
STOP_WAIT_S = 20.0
#: Placeholder API credentials: the local venue takes any (the PolyBolt auth frame needs some).
FAKE_CREDENTIALS = {"UPDOWN_WALLET__API_KEY": "stress-key", "UPDOWN_WALLET__API_SECRET": "c3RyZXNz",
                    "UPDOWN_WALLET__API_PASSPHRASE": "stress"}  # fmt: skip


#: The recorder runs beside the stages (not a stage under test): it records the run itself, which
#: ``updown replay`` then checks decision by decision. Its group holds nothing back (it acks at
#: each flush), so the player does not wait for it.
RECORDER = "recorder"
#: How often the run's recorder looks for new streams (the stages make theirs as they go).
RECORDER_RESCAN_S = 0.5


def instance(stage: str) -> str:
    """A stage's instance name in a stress run (its consumer names, its control group)."""
    return f"stress-{stage}"


def stage_env(redis_url: str, data_dir: Path, book_url: str, ref_url: str, ref_transport: str,
              record_dir: Path, follow: bool = False) -> dict[str, str]:  # fmt: skip
    """The stages' environment: the user's own settings, pointed at this run's Redis and venue, with
    the traced stages' clocks following the recorded event times (``runner.clock = "event"``) and,
    ``follow``, their inputs handled in the recorded order (``runner.follow``; the feed statuses
    counted are the recording's, ``bench.stress.timeline``); the run's recorder leaves the schedules."""
    env = dict(os.environ, REDIS_URL=redis_url, UPDOWN_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT),
               UPDOWN_SECRETS_DIR=str(data_dir / "secrets"), UPDOWN_RUNNER__METRICS_PORT="0",
               UPDOWN_VENUE__WS_MARKET_URL=book_url, UPDOWN_FEED_REF__TRANSPORT=ref_transport,
               UPDOWN_RECORDER__RAW_FRAMES="true", UPDOWN_RUNNER__CLOCK="event", UPDOWN_RUNNER__TRACE="true",
               UPDOWN_RECORDER__DIR=str(record_dir), UPDOWN_RECORDER__RETENTION_DAYS="0",
               UPDOWN_RECORDER__RESCAN_INTERVAL_S=str(RECORDER_RESCAN_S), **FAKE_CREDENTIALS)  # fmt: skip
    env["UPDOWN_VENUE__POLYBOLT_URL" if ref_transport == "polybolt" else "UPDOWN_VENUE__RTDS_URL"] = ref_url
    env["UPDOWN_RUNNER__FOLLOW"] = "true" if follow else "false"
    env["UPDOWN_RUNNER__FOLLOW_PLAYED_ONLY"] = json.dumps([streams.FEEDS] if follow else [])
    env["UPDOWN_RECORDER__EXCLUDE_PREFIXES"] = json.dumps([schedule_stream("")])
    env.setdefault("UPDOWN_MODE", "sim")
    env.setdefault("UPDOWN_LOG__LEVEL", "WARNING")
    return env


def expected_groups(stages: tuple[str, ...], env: dict[str, str]) -> list[tuple[str, str]]:
    """(stream, group) of every input of every stage."""
    settings = load_settings(env)
    return [(stream, inp.group or spec.name) for spec in map(load, stages) for inp in spec.inputs
            for stream in inp.resolve(settings)]  # fmt: skip


@dataclass
class Stage:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def rss_mib(self) -> float:
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def cpu_s(self) -> float:
        return process_cpu_s(self.proc.pid)


def start(stages: tuple[str, ...], env: dict[str, str], log_dir: Path) -> list[Stage]:
    log_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for name in stages:
        log = log_dir / f"{name}.log"
        with open(log, "ab") as f:
            own = {**env, "UPDOWN_INSTANCE": instance(name)}
            proc = subprocess.Popen([sys.executable, "-m", "cli.main", "worker", name], cwd=ROOT, stdout=f,
                                    stderr=subprocess.STDOUT, env=own)  # fmt: skip
        out.append(Stage(name, proc, log))
    return out


async def wait_ready(redis: Any, stages: list[Stage], groups: list[tuple[str, str]]) -> None:
    """Every group exists; raises when a stage died or the wait ran out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_WAIT_S
    missing = list(groups)
    while missing:
        dead = [s.name for s in stages if s.proc.poll() is not None]
        if dead:
            raise RuntimeError(f"stages ended while starting: {', '.join(dead)} (see their logs)")
        if loop.time() > deadline:
            raise RuntimeError(f"stages not ready after {READY_WAIT_S:.0f} s: no group {missing[0][1]} "
                               f"on {missing[0][0]}")  # fmt: skip
        still = []
        for stream, group in missing:
            try:
                names = {g["name"].decode() for g in await redis.xinfo_groups(stream)}
            except Exception:
                names = set()
            if group not in names:
                still.append((stream, group))
        missing = still
        await asyncio.sleep(0.1)


def stop(stages: list[Stage]) -> list[str]:
    """SIGTERM each, wait, kill what stays; the names of those that did not exit 0."""
    for s in stages:
        if s.proc.poll() is None:
            s.proc.send_signal(signal.SIGTERM)
    bad = []
    for s in stages:
        try:
            code = s.proc.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            s.proc.kill()
            code = s.proc.wait()
        if code != 0:
            bad.append(f"{s.name} (exit {code})")
    return bad
