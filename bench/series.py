"""``updown bench series``: the whole bot with 1, 4 or 12 series at once, and what each costs.

For each ``--count`` N, a whole-bot run in sim mode (``updown run``: every worker, the emulator
serving the N series, the embedded Redis) with the first N of :data:`ALL_SERIES` (BTC, ETH, SOL
and XRP in 5-minute, then 15-minute, then 1-hour windows), measured over ``--seconds`` after
``--warmup``: each stage's CPU as a share of one core (from ``/proc/<pid>/stat`` of its process,
Redis's from ``INFO cpu``) and per series, Redis's memory, and tick-to-order / tick-to-cancel /
tick-to-ack p50 and p99: the executor's latency summary, as ``updown report`` prints it (the whole
run, start-up included, with its sample count), and below it the same spans over the measured
seconds only, from the executor's Prometheus histograms scraped at both ends (``bench.prom``: as
fine as their buckets, linear within one). A stage above :data:`CORE_LIMIT` of a core is named. Printed as a
table; nothing is asserted.

Each run holds the whole-bot lock (``--lock``, :data:`WHOLEBOT_LOCK`): the runs bind fixed ports,
and other whole-bot runs on this machine wait for it. It takes the lock itself, unless a process
it descends from holds it already (``flock LOCK pytest ...``). A run's own output goes to
``<data_dir>/log/bench-series-<N>.log``.

    updown bench series [--count 1,4,12] [--seconds 60] [--warmup 20]
    updown bench series --emulator [--seconds 20]   (bench.series_loop: the emulator's loop alone)
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
#: The twelve series, in the order the counts take them: the four assets at 5 m, 15 m, then 1 h.
ALL_SERIES = tuple(f"{asset}-{length}" for length in ("5m", "15m", "1h") for asset in ("btc", "eth", "sol", "xrp"))
#: The shared lock every whole-bot run on this machine holds (the fixed ports).
WHOLEBOT_LOCK = "/tmp/updown-wholebot.lock"
#: The executor's spans each run reports (its latency summary, and its histograms over the measured seconds).
SPANS = ("tick_to_order", "tick_to_order_on_intent", "tick_to_cancel", "tick_to_ack")
#: A stage above this share of one core is named in the table (the issue's target: none above it).
CORE_LIMIT = 0.70
#: A run gets this long beyond its own duration (start, ledger drain, stop) before it is abandoned.
RUN_SLACK_S = 180.0


def held_by_an_ancestor(path: str, locks: str = "/proc/locks") -> bool:
    """True when a process this one descends from holds ``path``'s flock (``flock LOCK cmd`` around
    a test run that runs this bench): taking it again would wait for ourselves."""
    try:
        st = os.stat(path)
        with open(locks) as f:
            lines = f.read().splitlines()
    except OSError:
        return False
    holders = set()
    for line in lines:
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[4].isdigit():
            *_, inode = fields[5].split(":")
            if inode.isdigit() and int(inode) == st.st_ino:
                holders.add(int(fields[4]))
    pid = os.getpid()
    while pid > 1:
        if pid in holders:
            return True
        pid = _parent(pid)
    return False


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


@contextmanager
def wholebot_lock(path: str) -> Iterator[None]:
    """The whole-bot lock for the block (already ours when an ancestor holds it)."""
    if held_by_an_ancestor(path):
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def run_once(count: int, seconds: float, warmup_s: float, lock: str) -> dict[str, Any]:
    """One whole-bot run with the first ``count`` series; its figures (``{}`` when it failed)."""
    series = list(ALL_SERIES[:count])
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL" and not k.startswith("UPDOWN_")}
    env.update(UPDOWN_MODE="sim", UPDOWN_SERIES=json.dumps(series),
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p))  # fmt: skip
    log_dir = Path(load_settings().data_dir)
    log_dir = (log_dir if log_dir.is_absolute() else ROOT / log_dir) / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"bench-series-{count}.log"
    with tempfile.TemporaryDirectory() as tmp, open(log_path, "wb") as log, wholebot_lock(lock):
        out = Path(tmp) / "figures.json"
        print(f"series {count}: {', '.join(series)} ({seconds:.0f} s measured; its output: {log_path})", flush=True)
        cmd = [sys.executable, "-m", "bench.series_run", str(out), str(seconds), str(warmup_s)]
        try:
            subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                           timeout=warmup_s + seconds + RUN_SLACK_S, check=False)  # fmt: skip
        except subprocess.TimeoutExpired:
            print(f"series {count}: the run did not end in time (see {log_path})", flush=True)
            return {}
        figures: dict[str, Any] = json.loads(out.read_text()) if out.is_file() else {}
    if not figures.get("cpu_share"):
        print(f"series {count}: no figures (see {log_path})", flush=True)
        return {}
    return figures


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{x * 100:.1f}%"


def _ms(x: float | None) -> str:
    return "-" if x is None or math.isnan(x) else f"{x:.2f}"


def table(runs: dict[int, dict[str, Any]]) -> list[str]:
    """Rows of the figures: one column per series count."""
    counts = sorted(runs)
    stages = sorted({s for r in runs.values() for s in r.get("cpu_share", {})})
    width = max([28, *(len(s) + 2 for s in stages)])

    def row(label: str, cells: list[str]) -> str:
        return f"{label:<{width}}" + "".join(f"{c:>22}" for c in cells)

    lines = [row("series", [str(n) for n in counts]),
             row("CPU: % of a core (per series)", ["" for _ in counts])]  # fmt: skip
    for stage in stages:
        cells = []
        for n in counts:
            share = runs[n].get("cpu_share", {}).get(stage)
            cells.append("-" if share is None else f"{_pct(share)} ({_pct(share / n)})")
        lines.append(row(f"  {stage}", cells))
    total = [sum(runs[n].get("cpu_share", {}).values()) for n in counts]
    lines.append(row("  all stages", [f"{_pct(t)} ({_pct(t / n)})" for t, n in zip(total, counts, strict=True)]))
    mb = [runs[n].get("redis_used_memory") for n in counts]
    lines.append(row("redis used memory MB", ["-" if m is None else f"{m / 2**20:.1f}" for m in mb]))
    for span in SPANS:
        got = [runs[n].get("latency", {}).get(span, {}) for n in counts]
        lines.append(row(f"{span} n", [str(int(g["count"])) if "count" in g else "-" for g in got]))
        lines.append(row(f"{span} p50 / p99 ms", [f"{_ms(g.get('p50_ms'))} / {_ms(g.get('p99_ms'))}" for g in got]))
        steady = [runs[n].get("steady", {}).get(span, {}) for n in counts]
        lines.append(row("  measured s only: n, p50 / p99",
                         [f"{g['count']:.0f}, {_ms(g['p50_ms'])} / {_ms(g['p99_ms'])}" if g.get("count") else "-"
                          for g in steady]))  # fmt: skip
    for stage in ("merger", "ledger"):
        hop = [runs[n].get("markets_hops", {}).get(f"bus_hop.{stage}.markets") for n in counts]
        lines.append(row(f"{stage} hop on markets p99 ms", [_ms(h) for h in hop]))
    over = [[s for s, v in runs[n].get("cpu_share", {}).items() if v > CORE_LIMIT] for n in counts]
    lines.append(row(f"stages > {CORE_LIMIT:.0%} of a core", [", ".join(o) or "none" for o in over]))
    lines.append(row("restarted during the run", [", ".join(runs[n].get("restarted", [])) or "none" for n in counts]))
    lines.append(row("measured s", [f"{runs[n].get('interval_s', math.nan):.0f}" for n in counts]))
    lines.append(row("host steal", [_pct(runs[n].get("steal", math.nan)) for n in counts]))
    return lines


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="updown bench series", description=__doc__.splitlines()[0])
    p.add_argument("--count", default="1,4,12", help=f"series counts to run, each <= {len(ALL_SERIES)}")
    p.add_argument("--seconds", type=float, default=60.0, help="measured seconds of each run")
    p.add_argument("--warmup", type=float, default=20.0, help="seconds before measuring (workers start, quote)")
    p.add_argument("--lock", default=WHOLEBOT_LOCK, help="the whole-bot lock file each run holds")
    p.add_argument("--emulator", action="store_true",
                   help="instead: the emulator's loop lag while a client posts orders (bench.series_loop; no lock)")
    args = p.parse_args(argv)
    if args.emulator:
        from bench import series_loop

        return series_loop.main(args.seconds)
    counts = [int(c) for c in args.count.split(",") if c.strip()]
    if not counts or any(not 1 <= c <= len(ALL_SERIES) for c in counts):
        p.error(f"--count takes numbers from 1 to {len(ALL_SERIES)}")
    runs = {n: run_once(n, args.seconds, args.warmup, args.lock) for n in counts}
    print("\n".join(table(runs)))
    return 0 if all(runs.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
