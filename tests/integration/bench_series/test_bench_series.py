"""``updown bench series`` briefly: two whole-bot runs (1 and 2 series) and the table they print.
No figure is judged (the machine is shared); the table must have each stage's CPU, Redis's memory
and the tick-to-order line for both counts. The bench holds the whole-bot lock (or its caller does)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
#: Short runs: the workers start, quote for a few seconds, stop.
ARGS = ("bench", "series", "--count", "1,2", "--seconds", "8", "--warmup", "12")


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_series_bench_prints_cpu_per_stage_memory_and_latency_for_each_count() -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL" and not k.startswith("UPDOWN_")}
    done = subprocess.run([sys.executable, "-m", "cli.main", *ARGS], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=880)  # fmt: skip
    out = done.stdout
    lines = out.splitlines()
    header = next((line for line in lines if line.startswith("series ") and line.split()[1:] == ["1", "2"]), None)

    assert done.returncode == 0, out[-4000:] + done.stderr[-2000:]
    assert header is not None, out
    for stage in ("feed-book", "alpha", "quoter", "executor", "sim", "redis"):
        row = next((line for line in lines if line.strip().startswith(stage + " ")), "")
        assert len(re.findall(r"\d+\.\d% \(\d+\.\d%\)", row)) == 2, (stage, out)
    memory = next(line for line in lines if line.startswith("redis used memory MB"))
    assert len(re.findall(r"\d+\.\d", memory)) == 2, out
    assert any(line.startswith("tick_to_order p50 / p99 ms") for line in lines), out
    assert any(line.startswith("stages > 70% of a core") for line in lines), out
