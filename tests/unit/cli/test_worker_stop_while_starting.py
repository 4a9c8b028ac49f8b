"""A worker stopped (SIGTERM) before its loop takes the signal over exits 0, not by the signal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# The worker command's slow start (its imports) stood in for by a sleep, with SIGTERM arriving in it.
SCRIPT = """
import os, signal, sys, time
from cli import main as cli
cli.COMMANDS["worker"] = lambda argv: (os.kill(os.getpid(), signal.SIGTERM), time.sleep(10), 3)[-1]
sys.exit(cli.main(["worker", "executor"]))
"""


def test_sigterm_while_a_worker_starts_is_a_clean_exit_that_says_so() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0
    assert "stopped while starting" in done.stderr
