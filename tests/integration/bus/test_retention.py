"""Every stream bounded: a worker trims what it writes and the dead letters of what it reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer

from common import logs
from common.bus import streams
from common.bus.retention import Trimmer
from common.bus.writer import Writer
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from common.runner.control import issue
from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.integration.bus.retention_workers import IN_STREAM, INTENTS, MONEY
from workers.control.app import make_app

pytestmark = pytest.mark.integration

#: Approximate trimming (MAXLEN ~) removes whole stream nodes (stream-node-max-entries: 100).
NODE_SLACK = 100


def test_a_worker_bounds_every_stream_it_writes_and_the_dead_letters_of_what_it_reads(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    # Intents: 50 long past their valid_until but still pending (an executor that died), 5 fresh.
    client.xgroup_create(INTENTS, "executor", id="0", mkstream=True)
    for i in range(50):
        client.xadd(INTENTS, {"n": i}, id=f"{1_000 + i}-0")
    for i in range(5):
        client.xadd(INTENTS, {"n": 100 + i})
    client.xreadgroup("executor", "executor-0", {INTENTS: ">"})
    # A money stream whose only group stopped reading: it would grow for ever.
    client.xgroup_create(MONEY, "gone", id="0", mkstream=True)
    for i in range(1_200):
        client.xadd(MONEY, {"n": i})
    # Dead letters of an input, far above their bound.
    for i in range(250):
        client.xadd(streams.dlq(IN_STREAM), {"n": i})
    env = {"UPDOWN_BUS__TRIM_INTERVAL_S": "1", "UPDOWN_BUS__STREAM_MAXLEN": "1000",
           "UPDOWN_BUS__DLQ_MAXLEN": "100", "UPDOWN_BUS__INTENT_MAX_AGE_S": "60"}  # fmt: skip

    worker = start_worker("tests.integration.bus.retention_workers:SPEC", redis_url, tmp_path, "ret-0", **env)
    try:
        wait_for(lambda: client.xlen(INTENTS) == 5 and client.xlen(MONEY) <= 1_000
                 and client.xlen(streams.dlq(IN_STREAM)) <= 100, timeout_s=60, what="every stream trimmed")  # fmt: skip
    finally:
        stop(worker)

    assert [int(f[b"n"]) for _, f in client.xrange(INTENTS)] == [100, 101, 102, 103, 104]  # pending, fresh: kept
    assert [int(f[b"n"]) for _, f in client.xrange(MONEY, count=1)] == [200]  # the oldest went first
    assert [int(f[b"n"]) for _, f in client.xrange(streams.dlq(IN_STREAM), count=1)] == [150]
    log = (tmp_path / "ret-0.log").read_text()
    assert "stream_capped" in log and MONEY in log


async def test_a_pending_safe_stream_under_its_bound_keeps_what_a_group_still_needs(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    await client.xgroup_create(MONEY, "slow", id="0", mkstream=True)
    for i in range(300):
        await client.xadd(MONEY, {"n": i})
    await client.xreadgroup("slow", "slow-0", {MONEY: ">"}, count=10)  # 10 pending, 290 undelivered
    settings = load_settings(env={"UPDOWN_BUS__STREAM_MAXLEN": "1000"})
    trimmer = Trimmer(client, Writer(client, "t", settings.bus, SYSTEM_CLOCK), settings.bus, SYSTEM_CLOCK,
                      logs.get_logger("t"))  # fmt: skip

    await trimmer.trim([MONEY], [])

    assert await client.xlen(MONEY) == 300
    await client.aclose()


async def test_every_control_command_and_its_audit_entry_trim_their_streams(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "CTL_MAXLEN", 100)
    monkeypatch.setattr(streams, "AUDIT_MAXLEN", 100)
    client = aioredis.Redis.from_url(redis_url)

    for _ in range(400):
        await issue(client, "reload", issued_by="test", reason="bound", clock=SYSTEM_CLOCK)

    assert await client.xlen(streams.AUDIT) <= 100 + NODE_SLACK
    assert await client.xlen(streams.CTL) <= 100 + NODE_SLACK
    await client.aclose()


async def test_the_control_api_caps_its_audit_entries_too(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streams, "AUDIT_MAXLEN", 100)
    redis = aioredis.Redis.from_url(redis_url)
    api = TestClient(TestServer(make_app(redis, load_settings(env={"REDIS_URL": redis_url}), SYSTEM_CLOCK)))
    await api.start_server()

    for _ in range(400):  # no token configured: each is refused, and audited
        assert (await api.get("/health")).status == 401

    assert await redis.xlen(streams.AUDIT) <= 100 + NODE_SLACK
    await api.close()
    await redis.aclose()
