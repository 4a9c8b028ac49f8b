"""One whole-bot run of ``updown bench series``: ``updown run`` with hooks that measure it.

    python -m bench.series_run OUT.json SECONDS WARMUP_S   (the series in UPDOWN_SERIES)

The run is ``updown run --duration WARMUP_S + SECONDS`` (sim mode: every worker, the emulator,
the embedded Redis). After ``WARMUP_S`` (at least the launcher's startup report) it reads each
program's pid from supervisord and its CPU seconds from ``/proc``, and Redis's from ``INFO cpu``;
it reads them again when the run ends, before anything stops. Then, with Redis still up, Redis's
memory and the executor's latency summary (the figures ``updown report`` prints: the whole run).
The executor's latency histograms are also scraped from its metrics port at both ends of the
measured interval, for the steady state's percentiles (``bench.prom``). All of it goes to
``OUT.json`` for the parent (``bench.series``) to tabulate.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import redis

from bench import prom
from bench.series import SPANS
from bench.stats import process_cpu_s
from bench.steal import Steal
from cli import launch
from cli.launch_checks import metrics_ports
from common.config import load_settings
from common.latency import LATENCY_KEY
from common.redis_server import EmbeddedRedis

#: A RUNNING program in ``supervisorctl status``: its name and pid.
RUNNING = re.compile(r"^(\S+)\s+RUNNING\s+pid (\d+)", re.MULTILINE)
#: Programs that are not stages of the bot (supervisord's own listener).
NOT_STAGES = ("fatal-alert",)
#: The merger's and the ledger's hops on ``markets`` (issue 20: p99 0.4-0.8 s in a full run).
MARKETS_HOP_P99 = ".markets.p99_ms"
#: The executor's histograms of those spans (its metrics port: supervisord.conf).
HISTOGRAMS = tuple(f"updown_{span}_ms" for span in SPANS)


def running_pids(status: str) -> dict[str, int]:
    """``supervisorctl status`` -> {program: pid} of the RUNNING programs that are stages."""
    return {name: int(pid) for name, pid in RUNNING.findall(status) if name not in NOT_STAGES}


def redis_cpu_s(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


class Measure(launch.RunHooks):
    """CPU of every program and of Redis over [warmup, end], then Redis memory and the latency."""

    def __init__(self, warmup_s: float) -> None:
        self.warmup_s = warmup_s
        self.env: dict[str, str] = {}
        self.url = ""
        self.pids: dict[str, int] = {}
        self.start: dict[str, float] = {}
        self.end: dict[str, float] = {}
        self.restarted: list[str] = []
        self.t0 = self.t1 = 0.0
        self.steal: Steal | None = None
        self.steal_share = float("nan")
        self.figures: dict[str, Any] = {}
        self.hist_start: dict[str, prom.Buckets] | None = None
        self.steady: dict[str, dict[str, float]] = {}

    def started(self, env: dict[str, str], redis_server: EmbeddedRedis | None) -> None:
        self.env = env
        self.url = env["REDIS_URL"]

    def _cpu(self, pids: dict[str, int]) -> dict[str, float]:
        client = redis.Redis.from_url(self.url, socket_timeout=5)
        try:
            return {**{name: process_cpu_s(pid) for name, pid in pids.items()}, "redis": redis_cpu_s(client)}
        finally:
            client.close()

    def tick(self, elapsed_s: float) -> None:
        if self.start or elapsed_s < self.warmup_s:
            return
        self.pids = running_pids(launch.ctl(self.env, "status"))
        self.t0 = time.monotonic()
        self.start = self._cpu(self.pids)
        self.steal = Steal()
        self.hist_start = _histograms()

    def settle(self) -> None:
        """The run's time is up; nothing stopped yet."""
        if not self.start:
            return
        self.t1 = time.monotonic()
        self.end = self._cpu(self.pids)
        self.steal_share = self.steal.share() if self.steal is not None else float("nan")
        now = running_pids(launch.ctl(self.env, "status"))
        self.restarted = sorted(name for name, pid in self.pids.items() if now.get(name) != pid)
        end = _histograms()
        if self.hist_start is not None and end is not None and "executor" not in self.restarted:
            self.steady = {span: prom.figures(prom.difference(end.get(name, []), self.hist_start.get(name, [])))
                           for span, name in zip(SPANS, HISTOGRAMS, strict=True)}  # fmt: skip

    def checks(self, url: str) -> list[str]:
        """Traders stopped, the ledger drained, Redis up: its memory and the latency summary."""
        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            memory = client.info("memory")
            raw = {k.decode(): v.decode() for k, v in client.hgetall(LATENCY_KEY).items()}
        finally:
            client.close()
        interval = self.t1 - self.t0
        shares = {name: (self.end[name] - self.start[name]) / interval for name in self.end} if interval > 0 else {}
        latency = {span: {f: float(raw[f"{span}.{f}"]) for f in ("count", "p50_ms", "p99_ms") if f"{span}.{f}" in raw}
                   for span in SPANS}  # fmt: skip
        hops = {name.removesuffix(".p99_ms"): float(v) for name, v in raw.items()
                if name.startswith("bus_hop.") and name.endswith(MARKETS_HOP_P99)}  # fmt: skip
        self.figures = {"interval_s": interval, "cpu_share": shares, "restarted": self.restarted, "markets_hops": hops,
                        "redis_used_memory": int(memory["used_memory"]),
                        "redis_peak_memory": int(memory["used_memory_peak"]),
                        "latency": latency, "steady": self.steady, "steal": self.steal_share}  # fmt: skip
        return []


def _histograms() -> dict[str, prom.Buckets] | None:
    """The executor's latency histograms now (None when its metrics port does not answer)."""
    try:
        return prom.scrape(metrics_ports()["executor"], HISTOGRAMS)
    except (OSError, KeyError):
        return None


def main(argv: list[str]) -> int:
    out, seconds, warmup_s = Path(argv[0]), float(argv[1]), float(argv[2])
    hooks = Measure(max(warmup_s, launch.STARTUP_S + 1))
    code = launch.launch(load_settings(), hooks.warmup_s + seconds, hooks)
    out.write_text(json.dumps({"code": code, **hooks.figures}))
    return 0 if hooks.figures else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
