"""The executor as a real process against the real emulator: intents become orders and go away."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import redis

from common import state
from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.integration.emulator import QUIET_5M, emulator
from tests.integration.executor.harness import (
    EXECUTOR,
    current_market,
    exec_status,
    issue,
    make_intent,
    no_slot_doubled,
    publish_intent,
    reports,
    resting,
    user_feed_up,
    wallet_env,
    wanted,
)
from workers.executor.latency import LATENCY_KEY

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_an_intent_becomes_orders_a_new_one_replaces_them_an_empty_one_and_a_stop_cancel_them(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, *QUIET_5M) as url:
        env, api_key = wallet_env(tmp_path, url)
        market = current_market(url)
        user_feed_up(client)
        proc = start_worker(EXECUTOR, redis_url, tmp_path, "executor-0", **env)
        try:
            publish_intent(client, make_intent(market, (400_000, 390_000)))
            wait_for(lambda: resting(url, api_key) == wanted(market, (400_000, 390_000)), 20, "the first ladder")
            # The emulator shows the orders before the executor has read their answer and written them.
            wait_for(lambda: client.hlen(state.ORDERS) == 4, 5, "state:orders written")

            publish_intent(client, make_intent(market, (420_000, 390_000)))
            wait_for(lambda: resting(url, api_key) == wanted(market, (420_000, 390_000)), 10, "the level 0 replaced")
            no_slot_doubled(url, api_key)

            publish_intent(client, make_intent(market, ()))
            wait_for(lambda: not resting(url, api_key), 10, "every order cancelled")
            wait_for(lambda: client.hlen(state.ORDERS) == 0, 5, "state:orders emptied")

            publish_intent(client, make_intent(market, (410_000,)))
            wait_for(lambda: resting(url, api_key) == wanted(market, (410_000,)), 10, "a new ladder")
        finally:
            code = stop(proc, signal.SIGTERM)
        assert code == 0
        assert not resting(url, api_key), "an order of ours is still resting after SIGTERM"
        kinds = {r.kind for r in reports(client)}
        assert {"placed", "cancelled"} <= kinds
        placed = [r for r in reports(client) if r.kind == "placed"]
        assert all(r.tick_ms and r.sent_ms and r.ack_ms and r.tick_ms <= r.sent_ms <= r.ack_ms for r in placed)
        summary = {k.decode(): v.decode() for k, v in client.hgetall(LATENCY_KEY).items()}
        assert int(summary["tick_to_order.count"]) >= 8
        assert float(summary["tick_to_ack.p50_ms"]) >= float(summary["tick_to_order.p50_ms"])


def test_a_halt_cancels_at_once_and_survives_a_restart(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, *QUIET_5M) as url:
        env, api_key = wallet_env(tmp_path, url)
        market = current_market(url)
        user_feed_up(client)
        proc = start_worker(EXECUTOR, redis_url, tmp_path, "executor-0", **env)
        try:
            publish_intent(client, make_intent(market, (400_000,)))
            wait_for(lambda: resting(url, api_key) == wanted(market, (400_000,)), 20, "orders resting")

            issue(redis_url, "halt")
            started = time.monotonic()
            wait_for(lambda: not resting(url, api_key), 5, "the halt's cancels")
            assert time.monotonic() - started < 2.0
            stop(proc)
            client.delete("state:exec")

            proc = start_worker(EXECUTOR, redis_url, tmp_path, "executor-1", **env)
            wait_for(lambda: exec_status(client).get("mode") == "HALTED", 20, "restarted, halted")
            publish_intent(client, make_intent(market, (400_000,)))
            time.sleep(2.0)
            assert not resting(url, api_key), "an order was placed while halted"
        finally:
            stop(proc)
