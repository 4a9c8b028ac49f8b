"""The executor's venue-only loops: beats outlive a Redis error in the timer, count on the monotonic
clock, and a clock step is logged and sends us to read the venue's time again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator

import fakeredis
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from common import state
from common.schemas.feed import FeedStatus
from tests.unit.executor_loop.fakes import FakeGateway, make_driver, settle
from workers.executor.core import DEFAULT_CONFIG
from workers.executor.upkeep import FEED_CHECK_INTERVAL_MS, RECONCILE_INTERVAL_MS

HOUR_MS = 3_600_000


async def until(condition: Callable[[], bool], what: str, timeout_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.events: list[tuple[str, dict[str, object]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.events.append((str(record.msg), dict(getattr(record, "fields", {}))))


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger("updown.executor")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


async def test_a_redis_error_in_the_timer_neither_cancels_the_beat_in_flight_nor_stops_the_next() -> None:
    gateway = FakeGateway(heartbeat_gate=asyncio.Event())
    driver, upkeep, clock = make_driver(gateway, watch_user_feed=True)
    server = fakeredis.FakeServer()
    driver.ctx.redis = fakeredis.aioredis.FakeRedis(server=server)
    up = FeedStatus(feed="user", state="up", since_ms=clock.now_ms())
    await driver.ctx.redis.hset(state.FEEDS, "user", up.model_dump_json())
    run = asyncio.create_task(upkeep.run())
    await until(lambda: gateway.heartbeats == 1, "the first beat in flight")

    # Redis goes away: the timer's next read of the user feed fails, and the timer with it.
    server.connected = False
    clock.advance(FEED_CHECK_INTERVAL_MS)
    with pytest.raises(RedisConnectionError):
        await asyncio.wait_for(run, 5)
    gateway.heartbeat_gate.set()  # type: ignore[union-attr]  # the venue answers the beat in flight

    await until(lambda: driver.core.heartbeat.last_ok_ms is not None, "the beat in flight answered")
    clock.advance(DEFAULT_CONFIG.heartbeat_interval_ms)
    await until(lambda: gateway.heartbeats == 2, "the next beat while Redis is down")
    driver.ctx.stopping.set()
    await upkeep.keepalive.stop()


async def test_a_wall_clock_stepped_back_does_not_hold_the_next_beat_back() -> None:
    gateway = FakeGateway()
    driver, upkeep, clock = make_driver(gateway)
    beats = asyncio.create_task(upkeep.keepalive.heartbeats())
    await until(lambda: driver.core.heartbeat.last_ok_ms is not None, "the first beat")

    clock.step(-HOUR_MS)
    clock.advance(DEFAULT_CONFIG.heartbeat_interval_ms)

    await until(lambda: gateway.heartbeats == 2, "the next beat on time")
    driver.ctx.stopping.set()
    await beats


async def test_a_wall_clock_stepped_back_does_not_stall_the_periodic_reconciliation() -> None:
    gateway = FakeGateway()
    driver, upkeep, clock = make_driver(gateway)
    await upkeep.keepalive.beat()
    await upkeep.tick()  # the first reconciliation
    await settle(driver)

    clock.step(-HOUR_MS)
    clock.advance(RECONCILE_INTERVAL_MS)
    await upkeep.tick()
    await settle(driver)

    assert gateway.snapshots == 2


async def test_a_clock_step_is_logged_and_the_venue_time_read_again(records: Records) -> None:
    gateway = FakeGateway()
    driver, upkeep, clock = make_driver(gateway)
    await upkeep.keepalive.turn()
    await settle(driver)

    clock.step(30_000)
    await upkeep.keepalive.turn()
    await settle(driver)

    assert [f for e, f in records.events if e == "clock_step"] == [{"step_ms": 30_000}]
    assert gateway.time_syncs == 1


async def test_the_venue_time_is_read_again_every_resync_interval() -> None:
    gateway = FakeGateway()
    driver, upkeep, clock = make_driver(gateway)
    every_ms = driver.ctx.settings.executor.server_time_resync_s * 1000

    clock.advance(every_ms - 1)
    await upkeep.keepalive.turn()
    await settle(driver)
    before = gateway.time_syncs
    clock.advance(1)
    await upkeep.keepalive.turn()
    await settle(driver)

    assert (before, gateway.time_syncs) == (0, 1)
