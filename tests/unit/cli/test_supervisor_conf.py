"""The run's supervisord config answers supervisord's CRIT warnings instead of hiding them: it names
the user who runs it, and its socket takes a password (supervisorctl without it is refused)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cli import supervisor_conf

SOURCE = textwrap.dedent("""
    [unix_http_server]
    file=%(here)s/supervisor.sock
    [supervisord]
    logfile=%(here)s/supervisord.log
    pidfile=%(here)s/supervisord.pid
    childlogdir=%(here)s
    nodaemon=true
    [rpcinterface:supervisor]
    supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
    [supervisorctl]
    serverurl=unix://%(here)s/supervisor.sock
    [program:steady]
    command=sleep 60
    startsecs=0
""")
#: How long supervisord gets to answer on its socket.
WAIT_S = 20


def test_the_rendered_config_names_the_user_and_puts_a_hashed_password_on_the_socket(tmp_path: Path) -> None:
    text = supervisor_conf.render(SOURCE, tmp_path, "alice", "s3cret")

    assert "user=alice" in text.split("[supervisord]")[1].split("[")[0]
    server = text.split("[unix_http_server]")[1].split("[")[0]
    assert "username=updown" in server and "password={SHA}" in server and "s3cret" not in server
    assert "password=s3cret" in text.split("[supervisorctl]")[1].split("[")[0]
    assert "%(here)s" not in text and f"file={tmp_path}/supervisor.sock" in text


def test_the_password_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = supervisor_conf.ensure_password(tmp_path)

    assert supervisor_conf.ensure_password(tmp_path) == first and len(first) >= 24
    assert (tmp_path / supervisor_conf.PASSWORD_SECRET).stat().st_mode & 0o777 == 0o600


def _ctl(conf: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "supervisor.supervisorctl", "-c", str(conf), *extra, "status"],
                          capture_output=True, text=True, timeout=30)  # fmt: skip


@pytest.mark.integration
def test_supervisord_on_the_rendered_config_logs_no_crit_and_refuses_a_client_without_the_password(
    tmp_path: Path,
) -> None:
    conf = tmp_path / "supervisord.conf"
    conf.write_text(supervisor_conf.render(SOURCE, tmp_path, supervisor_conf.current_user(), "s3cret"))
    proc = subprocess.Popen([sys.executable, "-m", "supervisor.supervisord", "-c", str(conf), "-n", "-s"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + WAIT_S
        while "RUNNING" not in (answer := _ctl(conf)).stdout and time.monotonic() < deadline:
            time.sleep(0.3)
        refused = _ctl(conf, "-p", "wrong")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)

    assert "steady" in answer.stdout and "RUNNING" in answer.stdout, answer
    assert "RUNNING" not in refused.stdout and "authentication" in (refused.stdout + refused.stderr).lower()
    log = (tmp_path / "supervisord.log").read_text()
    assert "CRIT" not in log, log
    assert out == b""  # -s: nothing on stdout, it is all in the log file


SCALED_SOURCE = SOURCE + textwrap.dedent("""
    [program:quoter]
    command=sh -c 'echo "$SUPERVISOR_PROCESS_NAME $UPDOWN_RUNNER__INSTANCE_INDEX $UPDOWN_RUNNER__METRICS_PORT";sleep 60'
    environment=UPDOWN_RUNNER__METRICS_PORT="9107"
    startsecs=0
    redirect_stderr=true
    stdout_logfile=%(here)s/%(program_name)s.log
""")  # fmt: skip


def test_a_stage_with_two_instances_becomes_one_program_of_two_processes_each_with_its_log_and_number(
    tmp_path: Path,
) -> None:
    one = supervisor_conf.render(SCALED_SOURCE, tmp_path, "alice", "s3cret")
    two = supervisor_conf.render(SCALED_SOURCE, tmp_path, "alice", "s3cret", {"quoter": 2})

    assert "numprocs" not in one and "INSTANCE_INDEX=" not in one  # one instance: as it always was
    section = two.split("[program:quoter]")[1]
    assert "numprocs=2" in section and "process_name=%(program_name)s-%(process_num)d" in section
    assert 'environment=UPDOWN_RUNNER__METRICS_PORT="9107",UPDOWN_RUNNER__INSTANCE_INDEX="%(process_num)d"' in section
    assert "%(program_name)s-%(process_num)d.log" in section
    assert "numprocs" not in two.split("[program:steady]")[1].split("[program:quoter]")[0]


@pytest.mark.integration
def test_supervisord_runs_the_two_instances_under_their_own_names_and_numbers(tmp_path: Path) -> None:
    conf = tmp_path / "supervisord.conf"
    conf.write_text(supervisor_conf.render(SCALED_SOURCE, tmp_path, supervisor_conf.current_user(), "s3cret",
                                           {"quoter": 2}))  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "supervisor.supervisord", "-c", str(conf), "-n", "-s"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    logs = [tmp_path / "quoter-0.log", tmp_path / "quoter-1.log"]
    try:
        deadline = time.monotonic() + WAIT_S
        while not all(p.is_file() and p.read_text() for p in logs) and time.monotonic() < deadline:
            time.sleep(0.3)
        status = _ctl(conf).stdout
    finally:
        proc.terminate()
        proc.communicate(timeout=30)

    assert "quoter:quoter-0" in status and "quoter:quoter-1" in status, status
    assert [p.read_text().strip() for p in logs] == ["quoter-0 0 9107", "quoter-1 1 9107"]  # fmt: skip


def test_every_stage_that_can_scale_has_a_program_the_repositorys_config_can_run_twice(tmp_path: Path) -> None:
    from common.config.settings import SCALABLE_WORKERS

    text = supervisor_conf.render(supervisor_conf.SOURCE.read_text(), tmp_path, "alice", "s3cret",
                                  dict.fromkeys(SCALABLE_WORKERS, 2))  # fmt: skip

    for worker in SCALABLE_WORKERS:
        section = text.split(f"[program:{worker}]")[1].split("\n[")[0]
        assert "numprocs=2" in section and 'INSTANCE_INDEX="%(process_num)d"' in section, worker
        assert "%(program_name)s-%(process_num)d.log" in section, worker
