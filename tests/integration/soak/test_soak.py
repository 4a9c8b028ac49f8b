"""The short soak: the whole bot against the emulator (chaos faults) while every stage is killed with
SIGKILL at least once and Redis once (-9, restarted on its append-only file). ``updown soak`` itself
checks the emulator's record against the bot's (nothing resting, ledger equal to the micro-unit, no
two live orders in one slot, every fill booked, every program RUNNING) and exits non-zero on a breach.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
#: Long enough for every stage (14) to be killed once at one kill every 9 s, Redis half way.
SOAK = ("--minutes", "3", "--kill-every", "9", "--kill-redis", "--every-stage", "--faults", "chaos", "--seed", "3")


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_stage_and_redis_killed_in_a_trading_run_and_the_books_still_equal_the_venue(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL" and not k.startswith("UPDOWN_")}
    out = tmp_path / "soak.log"
    with open(out, "wb") as log:
        done = subprocess.run([sys.executable, "-m", "cli.main", "soak", *SOAK], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, timeout=560)  # fmt: skip
    text = out.read_text(errors="replace")
    tail = "\n".join(line for line in text.splitlines() if "[updown" in line or "FATAL" in line)[-6000:]

    assert done.returncode == 0, tail
    assert "killed redis-server -9" in text and "restarted redis-server" in text, tail
    assert "never killed" not in text, tail
    assert "cash: ledger" in text and "0 overlapping" in text, tail
