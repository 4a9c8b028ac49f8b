"""Start real worker processes for the integration tests, and wait for conditions."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
#: Every worker process a test started, so that none outlives its test (see tests/integration/conftest.py).
STARTED: list[subprocess.Popen[bytes]] = []


def start_worker(name: str, redis_url: str, tmp: Path, instance: str, **env: str) -> subprocess.Popen[bytes]:
    full = dict(os.environ, REDIS_URL=redis_url, UPDOWN_DATA_DIR=str(tmp), UPDOWN_INSTANCE=instance,
                UPDOWN_REDIS__BLOCK_MS="200", **env)  # fmt: skip
    full.pop("SUPERVISOR_PROCESS_NAME", None)
    with open(tmp / f"{instance}.log", "ab") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "worker", name], cwd=ROOT,
                                env=full, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    STARTED.append(proc)
    return proc


def wait_for(condition: Callable[[], bool], timeout_s: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout_s: float = 15.0) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    return proc.wait(timeout_s)


def stop_all(procs: list[subprocess.Popen[bytes]]) -> list[int]:
    """Stop every process (all of them, even when one misbehaves); their exit codes."""
    codes = []
    for proc in procs:
        try:
            codes.append(stop(proc))
        except subprocess.TimeoutExpired:
            proc.kill()
            codes.append(proc.wait(5))
    return codes


def reap() -> None:
    """Kill whatever a test started and left running (a test that failed before stopping it)."""
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
