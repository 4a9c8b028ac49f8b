"""A process that owns an embedded redis-server and is killed -9 (``updown replay`` killed from a
shell, a test runner killed at its timeout) takes the server with it: no orphan keeps its port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.bus.procs import ROOT, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux only"),
]

#: The owner: starts an EmbeddedRedis, prints the server's pid and port, then waits to be killed.
OWNER = """
import sys, time
from pathlib import Path
from common.redis_server import EmbeddedRedis
server = EmbeddedRedis(Path(sys.argv[1])).start()
print(server.pid, server.port, flush=True)
time.sleep(600)
"""


def _gone(pid: int) -> bool:
    """No such process, or a zombie waiting for its new parent to reap it (it no longer runs)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_sigkilled_owner_takes_its_embedded_redis_server_with_it(tmp_path: Path) -> None:
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE)
    assert owner.stdout is not None
    pid, port = (int(field) for field in owner.stdout.readline().split())
    try:
        owner.kill()
        owner.wait(10)

        wait_for(lambda: _gone(pid), timeout_s=20, what=f"redis-server {pid} (port {port}) to exit with its owner")
    finally:
        owner.stdout.close()
        if not _gone(pid):
            os.kill(pid, signal.SIGKILL)
