"""Two executor processes split two series through leases, each with an API key of its own; the
owner of one series is killed (SIGKILL) while it quotes, and the other takes the series over within
the lease: it cancels the dead key's orders on the series' market with that key (derived from the
same wallet) before placing its own, so no slot ever holds two live orders across the keys; the
series goes without a placement no longer than the lease (plus the time to take it up on a loaded
machine); every order either key has on the venue is one the executors reported.

Real parts: a real redis-server, the emulator (``updown sim``), the real discovery, feed-user (which
follows each executor instance's key's user channel) and executor workers, their real runner. The
intents are written by the test (the quoter's part): a ladder per series, replaced at every publish.
"""

from __future__ import annotations

import itertools
import signal
import time
from pathlib import Path

import pytest
import redis

from common.bus import streams
from common.bus.codec import decode
from common.schemas.user import OrderEvent
from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import emulator
from tests.integration.executor.harness import EXECUTOR, sim_orders, wallet_env
from tests.integration.scale.executors import (
    ENV,
    INSTANCES,
    LEASE_MS,
    SERIES,
    SIM_ARGS,
    Quoter,
    accounted,
    exec_reports,
    instance_keys,
    live_on,
    owner,
    trading_windows,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
#: Beyond the lease, what taking a series up may cost on a shared 2-core machine: the survivor's
#: claim, its sweep of the dead key's orders (cancels), its first posts.
TAKE_UP_SLACK_MS = 4_000
#: Placements of the orphaned series after the kill before the test ends.
AFTER_KILL = 12


@pytest.mark.timeout(600)
def test_an_executor_killed_while_quoting_hands_its_series_over_with_its_orders_swept_and_none_doubled(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, *SIM_ARGS) as url:
        env, main_key = wallet_env(tmp_path, url)
        env = {**env, **ENV}
        keys = instance_keys(tmp_path, env)
        assert len({main_key, *keys.values()}) == 3, "each instance signs with a key of its own"
        windows = trading_windows(url)
        market_of = {series: m["condition_id"] for series, m in windows.items()}
        procs = {"discovery": start_worker("discovery", redis_url, tmp_path, "discovery", **env),
                 "feed-user": start_worker("feed-user", redis_url, tmp_path, "feed-user", **env)}  # fmt: skip
        for name in INSTANCES:
            procs[name] = start_worker(EXECUTOR, redis_url, tmp_path, name, **env)
        quoter = Quoter(redis_url, url, windows, list(keys.values()))
        victim: str | None = None
        try:
            wait_for(lambda: {owner(client, s) for s in SERIES} == set(INSTANCES), 90, "each executor owning a series")
            quoter.start()
            # Arrange: each series quoted by its owner, with its owner's key.
            for series, market in market_of.items():
                wait_for(lambda s=series, m=market: len(live_on(url, keys[owner(client, s) or ""], m)) == 4, 90,
                         f"the ladder of {series} under its owner's key")  # fmt: skip
            # Act: SIGKILL the owner of the first series while it replaces its ladder.
            orphan = next(iter(SERIES))
            victim = owner(client, orphan)
            assert victim is not None
            survivor = next(name for name in INSTANCES if name != victim)
            procs[victim].send_signal(signal.SIGKILL)
            procs[victim].wait(10)
            killed_ms = time.time() * 1000
            assert live_on(url, keys[victim], market_of[orphan]), "the dead key's orders rest after the kill"
            wait_for(lambda: owner(client, orphan) == survivor, 30, "the survivor owning the orphaned series")
            wait_for(lambda: not live_on(url, keys[victim], market_of[orphan]), 30, "the dead key's orders swept")
            swept_ms = time.time() * 1000
            wait_for(lambda: sum(1 for r, at in exec_reports(client) if r.kind == "placed" and at > killed_ms
                                 and r.market == market_of[orphan]) >= AFTER_KILL, 60,
                     "placements in the orphaned series by the survivor")  # fmt: skip
        finally:
            quoter.halt.set()
            quoter.join(5)
            quoter.client.close()
            codes = stop_all([proc for name, proc in procs.items() if name != victim])
        assert codes == [0] * len(codes)

        # Assert: never two live orders in one slot, across both keys, at any look.
        assert quoter.doubled == [], quoter.doubled[:3]
        # The survivor swept the dead key's orders itself (its dead-man would have come 10 s later).
        survivor_log = (tmp_path / f"{survivor}.log").read_text()
        assert "peer_orders_cancelled" in survivor_log
        reason = f"swept from {victim}"
        swept = {r.order_id for r, _ in exec_reports(client) if r.kind == "cancelled" and r.reason == reason}
        dead_key_orders = {o["order_id"]: o for o in sim_orders(url, keys[victim])}
        assert swept and swept <= set(dead_key_orders), "the sweep reports the dead key's orders it cancelled"
        assert {dead_key_orders[i]["market"] for i in swept} == {market_of[orphan]}
        print(f"dead key's orders swept {swept_ms - killed_ms:.0f} ms after the kill (lease {LEASE_MS} ms)")
        # The orphaned series went without a placement no longer than the lease (and taking it up).
        placed = [at for r, at in exec_reports(client) if r.kind == "placed" and r.market == market_of[orphan]]
        gap_ms = max(b - a for a, b in itertools.pairwise(sorted(placed)))
        print(f"longest gap between placements in the orphaned series {gap_ms:.0f} ms (lease {LEASE_MS} ms)")
        assert gap_ms <= LEASE_MS + TAKE_UP_SLACK_MS
        # Both keys' orders are accounted: each one the venue holds was reported by an executor, none rests.
        accounted(client, url, keys)
        # feed-user followed each instance's key: the order events of both are on ``orders``.
        owners = {decode(f).body.owner for _, f in client.xrange(streams.ORDERS)
                  if isinstance(decode(f).body, OrderEvent)}  # fmt: skip
        assert set(keys.values()) <= owners
    client.close()
