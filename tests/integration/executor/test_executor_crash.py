"""SIGKILL the executor mid-run: the dead-man or the restarted executor clears its orders, never two in a slot."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import redis

from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.integration.emulator import QUIET_5M, emulator
from tests.integration.executor.harness import (
    EXECUTOR,
    Quoter,
    current_market,
    resting,
    sim_orders,
    user_feed_up,
    wallet_env,
)
from tests.integration.executor.harness import wanted as wanted_of

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PRICES = (400_000, 390_000)


def test_a_killed_executor_is_cleared_by_the_dead_man_and_the_restarted_one_resumes_without_doubles(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, *QUIET_5M) as url:
        env, api_key = wallet_env(tmp_path, url)
        market = current_market(url)
        wanted = wanted_of(market, PRICES)
        user_feed_up(client)
        with Quoter(client, url, api_key) as quoter:
            quoter.want(market, PRICES)
            proc = start_worker(EXECUTOR, redis_url, tmp_path, "executor-0", **env)
            try:
                wait_for(lambda: resting(url, api_key) == wanted, 20, "the ladder")
                first = {o["order_id"] for o in sim_orders(url, api_key)}

                # Killed and restarted at once: its old orders are strays, cancelled before new ones go out.
                stop(proc, signal.SIGKILL)
                proc = start_worker(EXECUTOR, redis_url, tmp_path, "executor-1", **env)
                def renewed() -> bool:
                    live = [o for o in sim_orders(url, api_key) if o["status"] == "LIVE"]
                    ladder = {(o["token_id"], o["price_micro"]) for o in live}
                    return ladder == wanted and not first & {o["order_id"] for o in live}

                wait_for(renewed, 20, "the ladder again, from new orders (one snapshot)")

                # Killed and left dead: the emulator's dead-man cancels everything after 10 s.
                stop(proc, signal.SIGKILL)
                killed = time.monotonic()
                wait_for(lambda: not resting(url, api_key), 16, "the dead-man's cancels")
                assert time.monotonic() - killed > 8, "orders went away before the dead-man could fire"
                proc = start_worker(EXECUTOR, redis_url, tmp_path, "executor-2", **env)
                wait_for(lambda: resting(url, api_key) == wanted, 20, "the ladder after the dead-man")
            finally:
                code = stop(proc)
        assert code == 0
        assert not resting(url, api_key)
        assert quoter.doubled == [], quoter.doubled[:3]
        assert len({o["order_id"] for o in sim_orders(url, api_key)}) == len(sim_orders(url, api_key))
