"""With the user feed down (``state:feeds``), the executor places nothing new but still cancels."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from tests.integration.bus.procs import start_worker, stop, wait_for
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
)
from workers.executor.upkeep import USER_FEED_GRACE_MS

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_no_order_is_placed_while_the_user_feed_is_missing_or_down_and_cancels_still_go_out(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, *QUIET_5M) as url:
        env, api_key = wallet_env(tmp_path, url)
        market = current_market(url)
        proc = start_worker(EXECUTOR, redis_url, tmp_path, "executor-0", **env)
        try:
            # no feed-user at all: never seen up since start, so nothing is placed
            publish_intent(client, make_intent(market, (400_000,)))
            wait_for(lambda: exec_status(client).get("heartbeat") == "ok", 10, "heartbeats armed")
            time.sleep(1.5)
            assert not resting(url, api_key), "an order went out with no user feed"
            assert exec_status(client)["can_place"] is False

            user_feed_up(client)
            wait_for(lambda: resting(url, api_key) == wanted(market, (400_000,)), 10, "orders once the feed is up")

            user_feed_up(client, up=False)
            time.sleep(USER_FEED_GRACE_MS / 1000 + 0.5)
            publish_intent(client, make_intent(market, (380_000,)))
            wait_for(lambda: not resting(url, api_key), 10, "the old orders cancelled while blind")
            time.sleep(1.0)
            assert not resting(url, api_key), "a replacement went out while the user feed was down"
        finally:
            assert stop(proc) == 0
