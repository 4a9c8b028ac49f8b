"""The bus's fast lane against a real redis-server: order, errors, timeouts, loss and reconnection."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from common.bus.lane import ClientLane, FastLane, LaneScript, open_lane
from common.redis_server import EmbeddedRedis, find_redis_server, free_port

pytestmark = pytest.mark.integration


def _lane(url: str, **extra: object) -> FastLane:
    lane = open_lane(aioredis.Redis.from_url(url, **extra))  # type: ignore[arg-type]
    assert isinstance(lane, FastLane)
    return lane


async def test_concurrent_callers_each_get_their_own_reply_in_order(redis_url: str) -> None:
    lane = _lane(redis_url)
    ids = await asyncio.gather(*(lane.xadd("lane:order", {b"n": str(n).encode()}) for n in range(200)))
    assert ids == sorted(ids, key=lambda i: tuple(int(p) for p in i.split(b"-")))
    many = await lane.xadd_many([("lane:order", {b"n": b"x"}, 0) for _ in range(50)])
    assert len(set(many)) == 50
    read = await lane.xread("lane:order", "0", count=1000, block_ms=10)
    assert [f[b"n"] for _, f in read[:200] if f] == [str(n).encode() for n in range(200)]
    assert len(read) == 250
    await lane.aclose()


async def test_reads_through_a_group_match_the_official_client(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    await client.xgroup_create("lane:group", "g", id="0", mkstream=True)
    fast, slow = _lane(redis_url), ClientLane(client)
    await fast.xadd("lane:group", {b"a": b"1", b"b": b"2"}, maxlen=1000)
    await fast.xadd("lane:group", {b"a": b"3"})
    got = await fast.xreadgroup("g", "c", "lane:group", ">", count=10, block_ms=None)
    assert [f for _, f in got] == [{b"a": b"1", b"b": b"2"}, {b"a": b"3"}]
    assert await slow.xreadgroup("g", "c", "lane:group", "0", count=10, block_ms=None) == got
    # A pending entry trimmed away comes back without fields, from both lanes alike.
    await client.xtrim("lane:group", maxlen=0)
    assert [f for _, f in await fast.xreadgroup("g", "c", "lane:group", "0", count=10, block_ms=None)] == [None, None]
    assert await slow.xreadgroup("g", "c", "lane:group", "0", count=10, block_ms=None) == await fast.xreadgroup(
        "g", "c", "lane:group", "0", count=10, block_ms=None)  # fmt: skip
    await fast.aclose()
    await client.aclose()


async def test_error_replies_are_redis_py_errors_and_leave_the_connection_in_step(redis_url: str) -> None:
    lane = _lane(redis_url)
    await lane.xadd("lane:err", {b"k": b"v"})
    bad = LaneScript("return redis.call('XADD', KEYS[1], 'not-an-id', 'k', 'v')")
    with pytest.raises(ResponseError):
        await lane.evalsha(bad, ["lane:err"], [])
    with pytest.raises(ResponseError, match="NOGROUP"):
        await lane.xreadgroup("missing", "c", "lane:err", ">", count=1, block_ms=None)
    # A script never loaded is loaded on NOSCRIPT, then run.
    script = LaneScript(f"return {{KEYS[1], ARGV[1], '{id(lane)}'}}")
    assert await lane.evalsha(script, ["k"], [7]) == [b"k", b"7", str(id(lane)).encode()]
    assert await lane.xadd("lane:err", {b"k": b"after"})  # still in step
    await lane.aclose()


async def test_a_call_without_a_reply_times_out_and_the_next_call_reconnects(redis_url: str) -> None:
    lane = _lane(redis_url, socket_timeout=0.3)
    started = asyncio.get_running_loop().time()
    with pytest.raises(RedisTimeoutError):
        await lane.xread("lane:nothing", "$", count=1, block_ms=0)  # BLOCK 0: a reply that never comes
    assert asyncio.get_running_loop().time() - started < 2
    assert await lane.xadd("lane:timeout", {b"k": b"v"})
    await lane.aclose()


async def test_a_cancelled_caller_does_not_shift_the_replies_of_the_others(redis_url: str) -> None:
    lane = _lane(redis_url)
    blocked = asyncio.ensure_future(lane.xread("lane:cancel", "$", count=1, block_ms=300))
    after = asyncio.ensure_future(lane.xadd("lane:other", {b"k": b"v"}))
    await asyncio.sleep(0.05)
    blocked.cancel()
    entry_id = await after  # queued behind the block, answered after it, with its own reply
    assert entry_id.count(b"-") == 1
    assert await lane.xadd("lane:other", {b"k": b"w"}) > entry_id
    await lane.aclose()


async def test_a_lost_server_fails_calls_in_flight_and_a_restarted_one_is_reached_again(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        lane = _lane(server.url)
        await lane.xadd("lane:lost", {b"k": b"v"})
        blocked = asyncio.ensure_future(lane.xread("lane:lost", "$", count=1, block_ms=5_000))
        await asyncio.sleep(0.05)
        server.stop()
        with pytest.raises(RedisConnectionError):
            await blocked
        with pytest.raises(RedisConnectionError):
            await lane.xadd("lane:lost", {b"k": b"v"})
        server.start()
        assert await lane.xadd("lane:lost", {b"k": b"again"})
        await lane.aclose()
    finally:
        server.stop()


async def test_a_lane_selects_the_database_and_names_itself(redis_server: EmbeddedRedis | None) -> None:
    if redis_server is None:
        pytest.skip("REDIS_URL is set: the session's server is not ours to name databases on")
    url = redis_server.url.rsplit("/", 1)[0] + "/3"
    lane = _lane(url, client_name="tester")
    await lane.xadd("lane:db", {b"k": b"v"})
    client = aioredis.Redis.from_url(url)
    assert await client.xlen("lane:db") == 1
    names = [c["name"] for c in await client.client_list()]
    assert "tester:lane" in names
    await client.delete("lane:db")
    await client.aclose()
    await lane.aclose()


async def test_a_lane_logs_in_as_the_urls_acl_user_and_a_wrong_password_is_a_connection_error(
    tmp_path: Path,
) -> None:
    # As deployed: one ACL user per worker, the URL from the redis__url secret carries its password.
    port = free_port()
    proc = subprocess.Popen([find_redis_server().path, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path),
                             "--requirepass", "admin-pw", "--user", "relay", "on", ">relay-pw", "~*", "&*", "+@all"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        url = f"redis://relay:relay-pw@127.0.0.1:{port}/0"
        for _ in range(100):
            try:
                lane = _lane(url)
                await lane.xadd("lane:acl", {b"k": b"v"})
                break
            except RedisConnectionError:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("the lane never logged in")
        assert await lane.xread("lane:acl", "0", count=10, block_ms=10)
        await lane.aclose()
        wrong = _lane(f"redis://relay:not-it@127.0.0.1:{port}/0")
        for _ in range(2):  # and again: no half-set-up connection is reused
            with pytest.raises(RedisConnectionError, match=r"refused the connection set-up.*invalid username"):
                await wrong.xadd("lane:acl", {b"k": b"v"})
        await wrong.aclose()
    finally:
        proc.terminate()
        proc.wait(10)


def test_tls_and_test_doubles_go_through_the_client_itself() -> None:
    import fakeredis

    assert isinstance(open_lane(aioredis.Redis.from_url("rediss://127.0.0.1:6380/0")), ClientLane)
    assert isinstance(open_lane(fakeredis.FakeAsyncRedis()), ClientLane)
    assert isinstance(open_lane(aioredis.Redis.from_url("unix:///tmp/redis.sock")), FastLane)
