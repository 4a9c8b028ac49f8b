"""The deployment's ACL users may do what a scaled-out executor and feed-user do in Redis beyond the
runner's part: register an instance's name, read the names, count the live instances, drop an
instance's ``state:orders`` entries; Redis refuses nothing (its ACL LOG stays empty)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import redis.asyncio as aioredis

from common import state
from common.bus.connection import connect
from common.config.settings import RedisSettings
from common.ops.redis_acl import WORKERS
from common.runner.lease import SeriesLeases
from workers.credentials import EXEC_INSTANCES_KEY
from workers.executor.handover import live_instances
from workers.executor.outputs import forget_orders_of

pytestmark = pytest.mark.integration


async def as_user(admin: aioredis.Redis, redis_url: str, name: str) -> aioredis.Redis:
    rule = next(u for u in WORKERS if u.name == name).rule().split(" ")[2:]  # after "user <name>"
    await admin.execute_command("ACL", "SETUSER", name, "reset", *[">pw" if r.startswith("#") else r for r in rule])
    return connect(RedisSettings(url=redis_url), client_name=f"{name}-0", user=(name, "pw"))


async def test_the_executor_and_feed_user_users_may_keep_the_instances_of_a_scaled_executor(redis_url: str) -> None:
    admin = aioredis.Redis.from_url(redis_url)
    await admin.hset(state.ORDERS, "0xa", '{"instance": "executor-0"}')
    await admin.execute_command("ACL", "LOG", "RESET")
    executor = await as_user(admin, redis_url, "executor")
    feed_user = await as_user(admin, redis_url, "feed-user")
    try:
        leases = SeriesLeases(executor, worker="executor", instance="executor-0", series=("btc-updown-15m",),
                              lease_ms=600)  # fmt: skip
        await leases.step()
        await executor.sadd(EXEC_INSTANCES_KEY, "executor-0")
        assert await live_instances(SimpleNamespace(redis=executor, name="executor")) == 1  # type: ignore[arg-type]
        assert await forget_orders_of(executor, "executor-0") == 1
        assert await feed_user.smembers(EXEC_INSTANCES_KEY) == {b"executor-0"}
        log = await admin.execute_command("ACL", "LOG")
        assert log == [], [(e[b"object"], e[b"reason"]) for e in log]
    finally:
        for client in (executor, feed_user):
            await client.aclose()
            await client.connection_pool.disconnect()
        await admin.execute_command("ACL", "DELUSER", "executor", "feed-user")
        await admin.aclose()
