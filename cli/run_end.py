"""The end of ``updown run``: the final status, the ledger's drain before it is stopped, the check
against the emulator's record, and supervisord stopped (its process group killed if it hangs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from cli import report
from cli.console import say
from common.config import load_settings

#: How long supervisord gets to stop everything before its process group is killed.
SHUTDOWN_S = 40.0


def stop_supervisord(proc: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM supervisord (it stops every program); its exit code, or None when it had to be
    killed with its process group after ``SHUTDOWN_S``."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(SHUTDOWN_S)
    except subprocess.TimeoutExpired:
        say("supervisord did not stop in time: killing its process group")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


#: Programs stopped last: the books, the venue, the control API and the recorder (which records them).
LAST_TO_STOP = ("ledger", "sim", "control", "fatal-alert", "feed-user", "recorder")
#: How long the ledger gets to book the last fills and cancels before it is stopped.
LEDGER_DRAIN_S = 10.0


def check_against_emulator(url: str) -> list[str]:
    """Sim mode: nothing of ours resting, and the ledger equal to the emulator's account."""
    from cli import sim_check

    try:
        verdict = sim_check.check(load_settings(), url)
    except Exception as exc:
        say(f"could not check the run against the emulator: {exc!r}")
        return ["the end-of-run check against the emulator"]
    say("checked against the emulator's record:\n  " + "\n  ".join(verdict.lines))
    return [] if verdict.ok else ["ledger or orders disagree with the emulator (see above)"]


def wait_for_ledger(url: str) -> None:
    import redis as sync_redis

    client = sync_redis.Redis.from_url(url, socket_timeout=5)
    deadline = time.monotonic() + LEDGER_DRAIN_S
    try:
        while time.monotonic() < deadline and not report.ledger_drained(client):
            time.sleep(0.2)
    except sync_redis.RedisError:
        pass
    finally:
        client.close()


def status_summary(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "cli.main", "status"], env=env,
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    return "final status:\n" + (done.stdout.strip() or done.stderr.strip())
