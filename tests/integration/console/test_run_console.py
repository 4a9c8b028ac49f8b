"""What a person sees: ``updown run``'s non-interactive console on a clean run, and ``updown top``
against a real run (the whole bot against the emulator, started as a user would, in a subprocess)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[3]
#: The top test's run length: an upper bound, the test stops the run once it has seen what it needs.
TOP_RUN_S = 170
#: How long a run asked to stop gets to stop every program (the ledger's drain, supervisord's stop).
STOP_WAIT_S = 180
#: How long to wait for the first window with our quotes on it.
QUOTES_WAIT_S = 140
#: How long the feeds and the executor get to notice the venue gone.
ALERTS_WAIT_S = 40


#: How long a test waits for another run on this machine to free the ports before skipping.
PORTS_WAIT_S = 240


def _ports_free() -> None:
    """``updown run`` refuses to start beside another run (same metrics and emulator ports)."""
    from cli.launch_checks import busy_ports
    from common.config import load_settings

    deadline = time.monotonic() + PORTS_WAIT_S
    while busy := busy_ports(load_settings(env={})):
        if time.monotonic() > deadline:
            pytest.skip(f"another updown run holds the ports this run needs: {', '.join(busy)}")
        time.sleep(3)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL" and not k.startswith("UPDOWN_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _run(duration_s: int, out: Path) -> subprocess.Popen[bytes]:
    with open(out, "wb") as log:  # the child keeps its own descriptor
        return subprocess.Popen([sys.executable, "-m", "cli.main", "run", "--duration", str(duration_s)],
                                cwd=ROOT, env=_env(), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)  # fmt: skip


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C the run, as a person would (it stops every program in order), and wait for it to end:
    the test has what it needs, and waiting out the run's duration would only idle."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    proc.wait(timeout=STOP_WAIT_S)


def _noisy(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.search("error", line, re.I) or "CRIT" in line]


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_clean_run_prints_no_error_and_no_crit_line_when_not_interactive(tmp_path: Path) -> None:
    _ports_free()
    out = tmp_path / "run.log"
    proc = _run(40, out)
    code = proc.wait(timeout=280)
    text = out.read_text(errors="replace")

    assert code == 0, text[-4000:]
    assert _noisy(text) == [], "\n".join(_noisy(text))
    assert "started embedded redis-server" in text and "the bot's wallet" in text
    assert "waiting for the emulator to answer" in text and re.search(r"started \d+ programs", text), text[:3000]
    assert re.search(r"\| feeds \d+/\d+ up, workers \d+/\d+ running", text), "no status line"
    assert " INFO spawned:" not in text and "success:" not in text  # supervisord's chatter: its log file


def _view_complete(url: str) -> bool:
    from cli.top import frame

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        view = frame(client)
    finally:
        client.close()
    quoted = any(row.fair_up_ppm is not None and all(o.best_bid_micro is not None for o in row.outcomes)
                 and any(o.ladder for o in row.outcomes) for row in view.series)  # fmt: skip
    return quoted and view.tick_to_order_p50_ms is not None


def _top_once() -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", "top", "--once", "--width", "200"],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)  # fmt: skip


def _alerts(url: str) -> list[str]:
    from cli.top import frame

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        return [kind for _, kind, _, _ in frame(client).alerts]
    finally:
        client.close()


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(700)
def test_top_once_against_a_real_run_shows_every_element_then_the_alerts_of_a_venue_gone(tmp_path: Path) -> None:
    _ports_free()
    out = tmp_path / "run.log"
    url_file = ROOT / "var" / "run" / "redis.url"
    proc = _run(TOP_RUN_S, out)
    try:
        deadline = time.monotonic() + QUOTES_WAIT_S
        complete = False
        while time.monotonic() < deadline and proc.poll() is None and not complete:
            time.sleep(2)
            if url_file.is_file():
                try:
                    complete = _view_complete(url_file.read_text().strip())
                except redis.RedisError:
                    complete = False
        assert complete, out.read_text(errors="replace")[-3000:]
        done = _top_once()
        frame = done.stdout

        # Then the venue goes away (stopped through the run's authenticated supervisorctl): the feeds
        # that were up go down and the executor's heartbeat turns late; top shows the alerts.
        url = url_file.read_text().strip()
        stopped = subprocess.run([sys.executable, "-m", "supervisor.supervisorctl", "-c",
                                  str(ROOT / "var" / "run" / "supervisord.conf"), "stop", "sim"],
                                 capture_output=True, text=True, timeout=60)  # fmt: skip
        deadline = time.monotonic() + ALERTS_WAIT_S
        while time.monotonic() < deadline and not {"feed_down", "heartbeat_late"} <= set(_alerts(url)):
            time.sleep(1)
        alerted = _top_once().stdout
    finally:
        _stop(proc)

    assert done.returncode == 0, done.stderr
    for heading in ("series", "window", "left", "fair Up", "regime", "bid", "ask", "our ladder", "position",
                    "unpaired", "fills", "window pnl", "feeds", "workers", "alerts", "quarantined markets"):
        assert heading in frame, (heading, frame)
    assert re.search(r"btc-updown-\w+ .* \d+ s .* 0\.\d{3} .* (NORMAL|STALE_ORACLE|STALE_LEAD|VOLATILE|ENDGAME|HALTED)",
                     frame), frame  # fmt: skip
    assert re.search(r"Up .* \d\.\d{3} .* \d\.\d{3}", frame) and re.search(r"Down .* \d\.\d{3} .* \d\.\d{3}", frame)
    assert re.search(r"B0\.\d{3}x", frame), frame  # our ladder
    assert "mode ACTIVE" in frame and re.search(r"tick-to-order p50/p99 [\d.]+/[\d.]+ ms", frame), frame
    assert re.search(r"day: fills \d+ +pnl [+-][\d,.]+", frame), frame
    for feed in ("book", "user", "ref.pyth.btc"):
        assert re.search(rf"{re.escape(feed)} +│ up", frame), (feed, frame)
    for worker in ("alpha", "quoter", "executor", "ledger", "feed-book"):
        assert re.search(rf"{worker} +│ running", frame), (worker, frame)
    assert re.search(r"│ - +│ none", frame), frame  # a clean run raised no alert

    assert "sim: stopped" in stopped.stdout, stopped
    assert re.search(r"critical +│ feed_down +│ (book|user|ref) \(feed-", alerted), alerted
    assert re.search(r"(warning|critical) +│ heartbeat_late +│ venue \(executor\)", alerted), alerted
