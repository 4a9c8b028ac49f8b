"""The page in a real browser against a real run: ``updown run`` (the whole bot against the emulator,
started as a user would), then headless Chromium opens ``/page?token=...`` as a person would.

It writes a screenshot of the page: to ``docs/page.png`` (the README's) when ``UPDOWN_SCREENSHOT=1``,
else beside the test's other files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis

from tests.browser import chromium, chromium_or_skip
from tests.integration.console.test_run_console import ROOT, _ports_free, _run, _stop

#: The run's length: an upper bound (long enough to quote across a couple of 60-s windows); the
#: test stops the run once it has seen what it needs.
RUN_S = 200
#: How long to wait for the page to answer once the run starts.
PAGE_WAIT_S = 120
#: How long the page gets to show our quotes and a chart with some history.
QUOTED_WAIT_S = 100
#: How long the feeds get to notice the venue gone and the page to show it.
ALERTS_WAIT_S = 60
#: How long the page gets to show a later state.
UPDATE_WAIT_S = 30
#: What changes on a live page: the window's time left and the time of the view.
STAMP = "document.querySelector('section.series .left').textContent + ' ' + document.getElementById('now').textContent"
#: The slug of the first window on the page, if any.
SLUG = "(e => e && e.textContent)(document.querySelector('section.series .slug'))"
#: The screenshot's size, in CSS pixels.
SHOT_SIZE = (1280, 1300)


def _page_answers(url: str, token: str) -> bool:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return int(reply.status) == 200
    except OSError:
        return False


def _live_slugs() -> set[str]:
    from cli.top import frame

    client = redis.Redis.from_url((ROOT / "var" / "run" / "redis.url").read_text().strip(), socket_timeout=5)
    try:
        now = frame(client)
    finally:
        client.close()
    return {row.slug for row in now.series if row.window_start_ms <= now.now_ms < row.window_end_ms}


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_page_in_chromium_shows_the_live_window_and_updates_during_a_real_run(tmp_path: Path) -> None:
    chromium_or_skip()
    _ports_free()
    from common.config import load_settings

    port = load_settings(env={}).control.port
    token_file = ROOT / "var" / "secrets" / "control__token"
    shot = ROOT / "docs" / "page.png" if os.environ.get("UPDOWN_SCREENSHOT") == "1" else tmp_path / "page.png"
    proc = _run(RUN_S, tmp_path / "run.log")
    try:
        deadline = time.monotonic() + PAGE_WAIT_S
        while not (token_file.is_file() and _page_answers(f"http://127.0.0.1:{port}/page", token_file.read_text())):
            assert time.monotonic() < deadline and proc.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            time.sleep(2)
        token = token_file.read_text().strip()
        with chromium(tmp_path / "profile") as tab:
            tab.goto(f"http://127.0.0.1:{port}/page?token={token}")
            # The page shows the window in progress (before the first opens, it shows the next).
            deadline = time.monotonic() + PAGE_WAIT_S
            while (slug := tab.eval(SLUG)) not in (live := _live_slugs()):
                assert time.monotonic() < deadline, (slug, live, tab.eval("document.body.innerText"))
                time.sleep(1)
            first = tab.eval(STAMP)
            later = tab.wait(f"(t => t !== {first!r} && t)({STAMP})", UPDATE_WAIT_S, "the page to update")
            # Our quotes on the book and some history on the window's chart, for a screenshot that shows them.
            tab.wait("/B0\\.\\d{3}x/.test(document.body.innerText) && Object.values(kept.windows)"
                     ".some(points => points.length >= 20)", QUOTED_WAIT_S, "our quotes and a chart")  # fmt: skip
            text = tab.eval("document.body.innerText")
            tab.screenshot(shot, *SHOT_SIZE)
            # Then the venue goes away (stopped through the run's authenticated supervisorctl): the
            # alerts of the feeds that were up reach the open page by themselves.
            stopped = subprocess.run([sys.executable, "-m", "supervisor.supervisorctl", "-c",
                                      str(ROOT / "var" / "run" / "supervisord.conf"), "stop", "sim"],
                                     capture_output=True, text=True, timeout=60)  # fmt: skip
            alerted = tab.wait("(t => /critical\tfeed_down\t/.test(t) && t)(document.getElementById('alerts')"
                               ".innerText)", ALERTS_WAIT_S, "the feed_down alert on the page")  # fmt: skip
    finally:
        _stop(proc)

    assert re.fullmatch(r"btc-updown-\w+-\d+", slug), slug
    assert first != later, first
    assert re.search(r"fair Up 0\.\d{3}, regime (NORMAL|STALE_ORACLE|STALE_LEAD|VOLATILE|ENDGAME|HALTED)", text), text
    for heading in ("mode", "tick-to-order", "venue heartbeat", "feeds", "workers", "alerts", "quarantined markets"):
        assert heading in text, (heading, text)
    for worker in ("alpha", "quoter", "executor", "control"):
        assert re.search(rf"{worker}\trunning", text), (worker, text)
    assert shot.stat().st_size > 10_000
    assert "sim: stopped" in stopped.stdout, stopped
    assert re.search(r"critical\tfeed_down\t(book|user|ref)\S* \(feed-", alerted), alerted
