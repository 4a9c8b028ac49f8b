"""An executor scaled out: each instance's key nonce, its share of the signer's rate budget, a lost
series' orders cancelled and its intents forgotten, a gained series' intents held until the sweep."""

from __future__ import annotations

import asyncio
import json

import pytest

import workers.executor.worker as worker
from common import state
from common.bus.envelope import Envelope
from common.runner.lease import members_key
from tests.unit.executor_loop.fakes import MARKET, FakeGateway, intent, make_driver, settle, started
from workers.credentials import key_nonce
from workers.executor.core import DEFAULT_CONFIG
from workers.executor.handover import budget_share
from workers.executor.outputs import forget_orders_of

SERIES = "btc-updown-5m"


def env_of(body: object, event_ms: int) -> Envelope:
    return Envelope(body=body, src="quoter", key="", event_ms=event_ms, ingest_ms=event_ms, emit_ms=event_ms + 1)  # type: ignore[arg-type]


def test_each_instance_has_a_nonce_of_its_own_stable_across_restarts_and_never_the_main_keys() -> None:
    names = ["executor-0", "executor-1", "executor-0-vm1", "executor-0-vm2"]

    nonces = [key_nonce(n) for n in names]

    assert len(set(nonces)) == len(names)
    assert nonces == [key_nonce(n) for n in names]
    assert 0 not in nonces and all(n < 2**63 for n in nonces)


def test_two_instances_plan_with_half_the_signers_buckets_each_and_keep_their_cancel_reserve() -> None:
    half = budget_share(DEFAULT_CONFIG, 2)

    assert (half.order_rate_per_s, half.order_burst) == (20, 30)
    assert (half.cancel_rate_per_s, half.cancel_burst) == (40, 60)
    assert budget_share(DEFAULT_CONFIG, 8).cancel_burst > DEFAULT_CONFIG.cancel_reserve


async def test_a_lost_series_has_its_orders_cancelled_and_is_planned_no_more() -> None:
    gateway = FakeGateway()
    driver, upkeep = await started(gateway)
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000, 390_000), now), now))
    await settle(driver)
    assert len(gateway.book) == 4

    await driver.on_series_lost({SERIES})
    await settle(driver)
    await upkeep.tick()  # a replan: the intent it still had must not place again
    await settle(driver)

    assert gateway.book == {}
    assert sum(len(p) for p in gateway.posts) == 4


async def test_a_gained_series_intents_wait_for_the_sweep_of_the_previous_owners_orders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway = FakeGateway()
    driver, _ = await started(gateway)
    driver.ctx.resources["driver"] = driver
    swept = asyncio.Event()

    async def slow_sweep(*_: object) -> int:
        await swept.wait()
        return 0

    monkeypatch.setattr(worker, "sweep_peers", slow_sweep)
    handover = asyncio.ensure_future(worker.on_series(driver.ctx, [SERIES], []))
    await asyncio.sleep(0)
    now = driver.now()
    handled = asyncio.ensure_future(driver.on_intent(env_of(intent((400_000,), now), now)))
    await asyncio.sleep(0.05)
    assert not handled.done() and gateway.posts == [], "placed before the previous owner's orders were swept"

    swept.set()
    await handover
    await handled
    await settle(driver)

    assert [len(p) for p in gateway.posts] == [2]
    assert driver.series_of == {MARKET: SERIES} and driver.handovers == {}


async def test_an_instance_starting_drops_its_own_live_orders_entries_and_leaves_its_peers() -> None:
    gateway = FakeGateway()
    driver, _ = await started(gateway)
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000,), now), now))
    await settle(driver)
    redis = driver.ctx.redis
    await redis.hset(state.ORDERS, "0xpeer", json.dumps({"order_id": "0xpeer", "instance": "executor-1"}))
    assert len(await redis.hgetall(state.ORDERS)) == 3

    assert await forget_orders_of(redis, "executor-0") == 2

    assert list(await redis.hgetall(state.ORDERS)) == [b"0xpeer"]


async def test_at_each_change_of_its_series_an_instance_plans_with_its_share_of_the_live_instances(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway = FakeGateway()
    driver, _, _ = make_driver(gateway)
    driver.ctx.resources["driver"] = driver

    async def no_peers(*_: object) -> int:
        return 0

    monkeypatch.setattr(worker, "sweep_peers", no_peers)
    redis = driver.ctx.redis
    seconds, _ = await redis.time()
    alive_ms, dead_ms = (int(seconds) + 60) * 1000, (int(seconds) - 60) * 1000
    await redis.zadd(members_key("executor"), {"executor-0": alive_ms, "executor-1": alive_ms, "executor-2": dead_ms})

    await worker.on_series(driver.ctx, [SERIES], [])

    budget = driver.core.budget
    assert (budget.orders.burst_milli, budget.cancels.burst_milli) == (30_000, 60_000)
    assert budget.orders.tokens_milli <= 30_000

    await redis.zrem(members_key("executor"), "executor-1")  # its peer died: all of it again
    await worker.on_series(driver.ctx, ["eth-updown-5m"], [])
    assert budget.orders.burst_milli == 60_000
