"""The control worker as supervisord runs it (a real process), with a page open on it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import redis

from common.redis_server import free_port
from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.integration.control.conftest import TOKEN
from tests.unit.top.test_view import fill_redis

pytestmark = pytest.mark.integration

#: How long the worker gets to answer once started.
START_WAIT_S = 60.0
#: How long the worker gets to stop (generous: a page left open must not hold it up at all).
STOP_WAIT_S = 15.0


def test_a_page_open_on_the_worker_gets_the_view_and_neither_holds_up_its_stop_nor_puts_the_token_in_its_log(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    fill_redis(client)
    client.close()
    port = free_port()
    worker = start_worker("control", redis_url, tmp_path, "control", UPDOWN_CONTROL__PORT=str(port),
                          UPDOWN_CONTROL__TOKEN=TOKEN, UPDOWN_RUNNER__METRICS_PORT=str(free_port()))  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{base}/page?token={TOKEN}", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(answers, START_WAIT_S, "the control worker's page")
    httpx.get(f"{base}/page/events?token=wrong-{TOKEN}", timeout=5)
    with httpx.stream("GET", f"{base}/page/events?token={TOKEN}", timeout=10) as events:
        lines = events.iter_lines()
        first = next(line for line in lines if line.startswith("event: "))
        data = next(line for line in lines if line.startswith("data: "))
        code = stop(worker, timeout_s=STOP_WAIT_S)
        rest = list(lines)  # the stream ends with the worker

    assert first == "event: snapshot" and '"fair_up_ppm":612000' in data
    assert code == 0 and all(not line.startswith("event: snapshot") for line in rest)
    log = (tmp_path / "control.log").read_text()
    assert "control_api_listening" in log and "/page" in log and "stop_timeout" not in log
    assert TOKEN not in log
