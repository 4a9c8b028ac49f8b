"""A real supervisord: a program that cannot stay up goes FATAL, the FATAL listener puts an alert on
the Redis stream ``alerts``, and the container health check names it while ignoring a program that
is stopped on purpose."""

import subprocess
import sys
import textwrap
import time

import pytest
import redis

from common.bus.codec import decode
from common.ops.fatal_listener import ALERTS_STREAM
from common.ops.healthcheck import main as healthcheck
from common.ops.healthcheck import problems
from common.schemas.ops import AlertRaised
from tests.unit.deploy.tools import ROOT

#: How long supervisord gets to declare the failing program FATAL and the listener to alert.
WAIT_S = 20


def test_problems_ignore_programs_stopped_on_purpose_and_name_the_rest():
    infos = [
        {"group": "sim", "name": "sim", "statename": "STOPPED"},
        {"group": "quoter", "name": "quoter", "statename": "RUNNING"},
        {"group": "executor", "name": "executor", "statename": "FATAL"},
        {"group": "ledger", "name": "ledger", "statename": "STOPPED"},
    ]
    autostart = {"sim:sim": False, "quoter:quoter": True, "executor:executor": True, "ledger:ledger": True}
    assert problems(infos, autostart) == ["executor:executor is FATAL", "ledger:ledger is STOPPED"]


@pytest.mark.integration
@pytest.mark.slow
def test_a_worker_that_cannot_start_raises_an_alert_and_fails_the_health_check(tmp_path, redis_url):
    # Arrange: supervisord with a healthy program, one off on purpose, one that dies, and the listener
    conf = tmp_path / "supervisord.conf"
    conf.write_text(
        textwrap.dedent(f"""
        [unix_http_server]
        file={tmp_path}/supervisor.sock
        [supervisord]
        logfile={tmp_path}/supervisord.log
        pidfile={tmp_path}/supervisord.pid
        childlogdir={tmp_path}
        nodaemon=true
        [rpcinterface:supervisor]
        supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
        [supervisorctl]
        serverurl=unix://{tmp_path}/supervisor.sock
        [program:steady]
        command=sleep 60
        startsecs=0
        [program:off]
        command=sleep 60
        autostart=false
        [program:dies]
        command=false
        startsecs=1
        startretries=0
        [eventlistener:fatal-alert]
        command={sys.executable} -m common.ops.fatal_listener
        directory={ROOT}
        events=PROCESS_STATE_FATAL
        environment=REDIS_URL="{redis_url}"
        stderr_logfile={tmp_path}/fatal-alert.log
    """)
    )
    supervisord = subprocess.Popen(
        [sys.executable, "-m", "supervisor.supervisord", "-c", str(conf), "-n"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis.from_url(redis_url)
    try:
        # Act
        deadline = time.monotonic() + WAIT_S
        while client.xlen(ALERTS_STREAM) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        entries = client.xrange(ALERTS_STREAM)
        health = healthcheck(["-c", str(conf)])

        # Assert
        assert len(entries) == 1, (tmp_path / "fatal-alert.log").read_text()
        alert = decode(entries[0][1]).body
        assert isinstance(alert, AlertRaised)
        assert (alert.kind, alert.process, alert.severity) == ("PROCESS_STATE_FATAL", "dies", "critical")
        assert health == 1
        assert '"event":"worker_fatal"' in (tmp_path / "fatal-alert.log").read_text()
    finally:
        supervisord.terminate()
        supervisord.wait(timeout=30)
        client.close()
