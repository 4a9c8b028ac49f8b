"""The control API steering a real executor against the emulator: flatten leaves no order resting
and places nothing new; halt through HTTP cancels at once and survives a restart of the executor."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
import redis

from common.redis_server import free_port
from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import QUIET_5M, emulator
from tests.integration.executor.harness import (
    EXECUTOR,
    current_market,
    exec_status,
    make_intent,
    publish_intent,
    resting,
    user_feed_up,
    wallet_env,
    wanted,
)  # fmt: skip

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TOKEN = "a-test-token"


def post(port: int, action: str) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{port}/control/{action}", headers={"Authorization": f"Bearer {TOKEN}"})


def test_flatten_and_halt_through_the_control_api_leave_nothing_resting(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    port = free_port()
    with emulator(tmp_path, *QUIET_5M) as url:
        env, api_key = wallet_env(tmp_path, url)
        market = current_market(url)
        user_feed_up(client)
        control = start_worker("control", redis_url, tmp_path, "control-0", UPDOWN_CONTROL__TOKEN=TOKEN,
                               UPDOWN_CONTROL__PORT=str(port))  # fmt: skip
        executor = start_worker(EXECUTOR, redis_url, tmp_path, "executor-0", **env)
        procs = [control, executor]
        try:
            publish_intent(client, make_intent(market, (400_000, 390_000)))
            wait_for(lambda: resting(url, api_key) == wanted(market, (400_000, 390_000)), 20, "orders resting")
            wait_for(lambda: post(port, "flatten").status_code == 200, 10, "the control API")

            wait_for(lambda: not resting(url, api_key), 5, "flatten's cancels")
            publish_intent(client, make_intent(market, (410_000,)))
            time.sleep(1.5)
            assert not resting(url, api_key), "flat means no new buys while holding nothing"

            assert post(port, "resume").status_code == 200
            publish_intent(client, make_intent(market, (420_000,)))
            wait_for(lambda: resting(url, api_key) == wanted(market, (420_000,)), 20, "quoting again after resume")
            assert post(port, "halt").status_code == 200
            wait_for(lambda: not resting(url, api_key), 5, "the halt's cancels")

            stop_all([executor])
            restarted_ms = time.time() * 1000
            executor = start_worker(EXECUTOR, redis_url, tmp_path, "executor-1", **env)
            procs = [control, executor]
            # The status the restarted executor publishes itself, not the one its predecessor left.
            status = lambda: exec_status(client)  # noqa: E731
            wait_for(lambda: status().get("mode") == "HALTED" and status().get("at_ms", 0) >= restarted_ms, 20,
                     "restarted, still halted")  # fmt: skip
            publish_intent(client, make_intent(market, (430_000,)))
            time.sleep(1.5)
            assert not resting(url, api_key), "an order was placed while halted"
        finally:
            assert stop_all(procs) == [0] * len(procs)
