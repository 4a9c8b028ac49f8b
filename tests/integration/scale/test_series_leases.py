"""Series leases on a real Redis: instances split the series, a dead one's go to the living, a
newcomer gets its share, a graceful stop gives its series back at once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from common.runner.lease import SeriesLeases, lease_key

pytestmark = pytest.mark.integration
SERIES = ("btc-updown-15m", "eth-updown-15m")
#: Short leases: the tests wait a few of them.
LEASE_MS = 600


def leases(client: aioredis.Redis, instance: str, series: tuple[str, ...] = SERIES) -> SeriesLeases:
    return SeriesLeases(client, worker="quoter", instance=instance, series=series, lease_ms=LEASE_MS)


async def settle(*instances: SeriesLeases, steps: int = 3) -> None:
    for _ in range(steps):
        for one in instances:
            await one.step()


async def test_two_instances_started_together_own_one_series_each(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    a, b = leases(client, "quoter-0"), leases(client, "quoter-1")
    await settle(a, b)
    assert sorted(a.held() + b.held()) == sorted(SERIES)
    assert len(a.held()) == len(b.held()) == 1
    assert await client.get(lease_key("quoter", a.held()[0])) == b"quoter-0"
    await client.aclose()


async def test_the_series_of_an_instance_that_stops_renewing_go_to_the_other_after_the_lease(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    a, b = leases(client, "quoter-0"), leases(client, "quoter-1")
    await settle(a, b)
    orphan = a.held()[0]
    # a dies: it steps no more. b keeps stepping and takes a's series once a's lease has run out.
    died = time.monotonic()
    while orphan not in b.held():
        assert time.monotonic() - died < 10 * LEASE_MS / 1000, "b never took the orphaned series"
        await b.step()
        assert orphan not in b.held() or time.monotonic() - died >= a.ttl_ms / 1000 - a.renew_s
        await asyncio.sleep(b.renew_s / 4)
    assert sorted(b.held()) == sorted(SERIES)
    assert not a.holds(orphan)  # a's own trust ran out before Redis let b take it
    await client.aclose()


async def test_an_instance_alone_yields_half_its_series_to_a_newcomer_once_it_is_idle(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    a = leases(client, "quoter-0")
    await settle(a)
    assert sorted(a.held()) == sorted(SERIES)
    for s in SERIES:
        a.busy(s)
    b = leases(client, "quoter-1")
    await settle(b, a, b, a, b)
    yielded = [s for s in SERIES if not a.holds(s)]
    assert len(yielded) == 1 and b.held() == []  # a stopped handling it, but is still busy on it
    a.idle(yielded[0])
    await settle(a, b, steps=2)
    assert a.held() == [s for s in SERIES if s not in yielded] and b.held() == yielded
    await client.aclose()


async def test_a_graceful_stop_gives_the_series_back_at_once(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    a, b = leases(client, "quoter-0"), leases(client, "quoter-1")
    await settle(a, b)
    assert await a.release_all() == 1
    await b.step()  # a is no member any more: b's share is both, and a's lease is free
    assert sorted(b.held()) == sorted(SERIES)
    await client.aclose()


async def test_a_lease_not_renewed_is_no_longer_trusted_before_redis_lets_it_go(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    a = leases(client, "quoter-0", SERIES[:1])
    await settle(a)
    assert a.holds(SERIES[0])
    await asyncio.sleep(a.trust_s + 0.05)  # Redis away: no step
    assert not a.holds(SERIES[0])
    assert await client.get(lease_key("quoter", SERIES[0])) == b"quoter-0"  # still a's in Redis
    await client.aclose()


async def test_a_worker_user_of_the_deployment_may_keep_its_leases_and_take_pending_entries(redis_url: str) -> None:
    from common.bus.connection import connect
    from common.config.settings import RedisSettings
    from common.ops.redis_acl import WORKERS
    from common.runner.scale import take_pending

    admin = aioredis.Redis.from_url(redis_url)
    rule = next(u for u in WORKERS if u.name == "quoter").rule().split(" ")[2:]  # after "user quoter"
    await admin.execute_command("ACL", "SETUSER", "quoter", "reset", *[">pw" if r.startswith("#") else r for r in rule])
    await admin.xgroup_create("signal.btc-updown-15m", "quoter", id="0", mkstream=True)
    await admin.xadd("signal.btc-updown-15m", {"n": "1"})
    await admin.xreadgroup("quoter", "quoter-9", {"signal.btc-updown-15m": ">"})
    await admin.execute_command("ACL", "LOG", "RESET")
    client = connect(RedisSettings(url=redis_url), client_name="quoter-0", user=("quoter", "pw"))  # the runner's
    try:
        a = leases(client, "quoter-0")
        await settle(a)
        assert sorted(a.held()) == sorted(SERIES)
        assert await take_pending(client, "signal.btc-updown-15m", "quoter", "quoter-0") == 1
        assert await a.release_all() == 2
        log = await admin.execute_command("ACL", "LOG")
        assert log == [], [(e[b"object"], e[b"reason"], e[b"client-info"][-60:]) for e in log]
    finally:
        await client.aclose()
        await client.connection_pool.disconnect()  # a pool given to the client is not closed with it
        await admin.execute_command("ACL", "DELUSER", "quoter")
        await admin.aclose()


def test_a_scaled_instance_does_not_start_under_a_name_live_on_another_machine(redis_url: str, tmp_path: Path) -> None:
    import redis as sync_redis

    from common.runner import health
    from tests.integration.bus.procs import start_worker

    client = sync_redis.Redis.from_url(redis_url)
    client.hset(health.key("quoter-0"), mapping={"worker": "quoter", "host": "another-vm", "pid": 1})
    client.pexpire(health.key("quoter-0"), 60_000)
    proc = start_worker("quoter", redis_url, tmp_path, "quoter-0", UPDOWN_RUNNER__INSTANCES='{"quoter": 2}')

    assert proc.wait(60) != 0
    assert "quoter-0 already runs on another-vm" in (tmp_path / "quoter-0.log").read_text()
    assert client.get(lease_key("quoter", "btc-updown-15m")) is None  # it took nothing
    client.close()
