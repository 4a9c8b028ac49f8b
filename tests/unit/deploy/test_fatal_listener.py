"""The FATAL listener speaks supervisord's event-listener protocol and alerts on the ``alerts`` stream."""

import io
import os
import subprocess
import sys
from pathlib import Path

import fakeredis

from common.bus.codec import decode
from common.clock import ManualClock
from common.ops.fatal_listener import ALERTS_STREAM, serve
from common.schemas.ops import AlertRaised

ROOT = Path(__file__).resolve().parents[3]


def event(name: str, payload: str, serial: int = 1) -> bytes:
    """One event as supervisord writes it: a header line ending in ``len:N``, then N bytes."""
    body = payload.encode()
    header = (
        f"ver:3.0 server:supervisor serial:{serial} pool:fatal-alert poolserial:{serial} "
        f"eventname:{name} len:{len(body)}\n"
    )
    return header.encode() + body


FATAL = event("PROCESS_STATE_FATAL", "processname:executor groupname:executor from_state:BACKOFF")


def test_a_fatal_worker_is_alerted_on_the_stream_and_supervisord_gets_ready_result_ready():
    # Arrange
    redis = fakeredis.FakeRedis()
    stdin, stdout = io.BytesIO(FATAL), io.BytesIO()

    # Act
    handled = serve(stdin, stdout, redis, ManualClock(1_800_000_000_000), host="vm-1")

    # Assert: the protocol exchange, byte for byte
    assert handled == 1
    assert stdout.getvalue() == b"READY\nRESULT 2\nOKREADY\n"
    entries = redis.xrange(ALERTS_STREAM)
    assert len(entries) == 1
    alert = decode(entries[0][1]).body
    assert isinstance(alert, AlertRaised)
    assert (alert.kind, alert.severity, alert.process, alert.from_state, alert.host) == (
        "PROCESS_STATE_FATAL", "critical", "executor", "BACKOFF", "vm-1",
    )  # fmt: skip
    assert alert.raised_ms == 1_800_000_000_000


def test_other_events_are_acknowledged_without_an_alert():
    redis = fakeredis.FakeRedis()
    stdin = io.BytesIO(
        event("PROCESS_STATE_RUNNING", "processname:quoter groupname:quoter from_state:STARTING pid:42", 1)
        + event("TICK_60", "when:1800000000", 2)
    )
    stdout = io.BytesIO()

    handled = serve(stdin, stdout, redis, ManualClock())

    assert handled == 2
    assert stdout.getvalue() == b"READY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\n"
    assert redis.xlen(ALERTS_STREAM) == 0


def test_when_redis_is_down_the_alert_is_logged_and_supervisord_still_gets_its_answer():
    class Down:
        def xadd(self, *args, **kwargs):
            raise ConnectionError("redis is down")

    stdout = io.BytesIO()
    handled = serve(io.BytesIO(FATAL), stdout, Down(), ManualClock())
    assert handled == 1
    assert stdout.getvalue().endswith(b"RESULT 2\nOKREADY\n")


def test_the_module_run_as_supervisord_runs_it_answers_on_stdout_and_logs_the_fatal_on_stderr():
    # Arrange: a real process, stdin/stdout pipes as supervisord uses them; Redis unreachable
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0", "UPDOWN_SECRETS_DIR": "/nonexistent"}

    # Act
    done = subprocess.run(
        [sys.executable, "-m", "common.ops.fatal_listener"],
        input=FATAL, capture_output=True, cwd=ROOT, env=env, timeout=30, check=True,
    )  # fmt: skip

    # Assert
    assert done.stdout == b"READY\nRESULT 2\nOKREADY\n"
    assert b'"event":"worker_fatal"' in done.stderr
    assert b'"process":"executor"' in done.stderr
    assert b'"event":"alert_not_published"' in done.stderr
