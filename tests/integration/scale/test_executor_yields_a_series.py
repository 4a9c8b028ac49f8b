"""An executor that quotes both series alone gives a newcomer its share: it cancels its own orders
in the series it yields and stops planning it, the newcomer sweeps that series' market of the old
owner's key before placing its own, and the old owner's other series is left alone: its orders stay
under its key. No slot ever holds two live orders across the keys; every order is accounted.

Real parts: a real redis-server, the emulator, the real discovery, feed-user and executor workers
(the second started once the first quotes both series); the test writes the intents (``executors``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import emulator
from tests.integration.executor.harness import EXECUTOR, wallet_env
from tests.integration.scale.executors import (
    ENV,
    INSTANCES,
    SERIES,
    SIM_ARGS,
    Quoter,
    accounted,
    instance_keys,
    live_on,
    owner,
    trading_windows,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
#: Orders of one series' ladder (Up and Down at two prices).
LADDER_ORDERS = 4


@pytest.mark.timeout(600)
def test_an_executor_alone_yields_a_series_to_a_newcomer_with_its_orders_cancelled_and_none_doubled(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, *SIM_ARGS) as url:
        env, _ = wallet_env(tmp_path, url)
        env = {**env, **ENV}
        keys = instance_keys(tmp_path, env)
        first, second = INSTANCES
        windows = trading_windows(url)
        market_of = {series: m["condition_id"] for series, m in windows.items()}
        procs = {"discovery": start_worker("discovery", redis_url, tmp_path, "discovery", **env),
                 "feed-user": start_worker("feed-user", redis_url, tmp_path, "feed-user", **env),
                 first: start_worker(EXECUTOR, redis_url, tmp_path, first, **env)}  # fmt: skip
        quoter = Quoter(redis_url, url, windows, list(keys.values()))
        try:
            wait_for(lambda: {owner(client, s) for s in SERIES} == {first}, 90, "the first executor owning both")
            quoter.start()
            for series, market in market_of.items():
                wait_for(lambda m=market: len(live_on(url, keys[first], m)) == LADDER_ORDERS, 90,
                         f"the ladder of {series} under the first key")  # fmt: skip

            # Act: a second instance comes; the first yields it one series.
            procs[second] = start_worker(EXECUTOR, redis_url, tmp_path, second, **env)
            wait_for(lambda: {owner(client, s) for s in SERIES} == set(INSTANCES), 90, "each owning a series")
            given = next(s for s in SERIES if owner(client, s) == second)
            kept = next(s for s in SERIES if s != given)
            wait_for(lambda: len(live_on(url, keys[second], market_of[given])) == LADDER_ORDERS, 60,
                     "the yielded series quoted under the newcomer's key")  # fmt: skip
            wait_for(lambda: not live_on(url, keys[first], market_of[given]), 30, "the old owner gone from it")
            # The old owner still quotes the series it kept, under its own key only.
            wait_for(lambda: len(live_on(url, keys[first], market_of[kept])) == LADDER_ORDERS, 30, "the kept series")
            assert not live_on(url, keys[second], market_of[kept])
        finally:
            quoter.halt.set()
            quoter.join(5)
            quoter.client.close()
            codes = stop_all(list(procs.values()))
        assert codes == [0] * len(codes)

        assert quoter.doubled == [], quoter.doubled[:3]
        log = (tmp_path / f"{first}.log").read_text()
        assert f'"lost":["{given}"]' in log, "the first executor did not log the series it yielded"
        accounted(client, url, keys)
    client.close()
