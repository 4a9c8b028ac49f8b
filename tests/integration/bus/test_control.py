"""Control commands on ``ctl``: pause, halt and resume reach workers, and a halt survives restarts."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis

from common.bus import streams
from common.clock import SYSTEM_CLOCK
from common.runner.control import issue
from tests.integration.bus.procs import start_worker, stop, wait_for

pytestmark = pytest.mark.integration


def send(url: str, action: str, target: str = "*") -> None:
    async def go() -> None:
        client = aioredis.Redis.from_url(url)
        await issue(client, action, target=target, issued_by="test", reason="test", clock=SYSTEM_CLOCK)
        await client.aclose()

    asyncio.run(go())


def state(client: redis.Redis, instance: str) -> str | None:
    raw = client.hget(f"health:{instance}", "state")
    return raw.decode() if raw else None


def test_a_halt_stops_work_at_once_survives_a_restart_and_resume_lifts_it(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    env = {"UPDOWN_HEARTBEAT__INTERVAL_MS": "20", "UPDOWN_RUNNER__HEALTH_INTERVAL_S": "0.2"}
    producer = start_worker("hb-producer", redis_url, tmp_path, "producer-0", **env)
    wait_for(lambda: client.exists(streams.HEARTBEAT) and client.xlen(streams.HEARTBEAT) > 5, what="beats")

    send(redis_url, "halt")
    wait_for(lambda: state(client, "producer-0") == "halted", what="the halt")
    length = client.xlen(streams.HEARTBEAT)
    time.sleep(0.5)
    assert client.xlen(streams.HEARTBEAT) <= length + 1

    assert stop(producer) == 0
    producer = start_worker("hb-producer", redis_url, tmp_path, "producer-0", **env)
    wait_for(lambda: state(client, "producer-0") == "halted", what="the halt after a restart")
    time.sleep(0.5)
    assert client.xlen(streams.HEARTBEAT) <= length + 1

    send(redis_url, "resume")
    wait_for(lambda: client.xlen(streams.HEARTBEAT) > length + 5, what="beats after resume")
    assert state(client, "producer-0") == "running"
    assert stop(producer) == 0


def test_a_pause_aimed_at_one_worker_leaves_the_others_running(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    env = {"UPDOWN_RUNNER__HEALTH_INTERVAL_S": "0.2"}
    producer = start_worker("hb-producer", redis_url, tmp_path, "producer-0", **env)
    relay = start_worker("hb-relay", redis_url, tmp_path, "relay-0", **env)
    wait_for(lambda: state(client, "relay-0") == "running" and state(client, "producer-0") == "running",
             what="both running")  # fmt: skip

    send(redis_url, "pause", target="hb-relay")

    wait_for(lambda: state(client, "relay-0") == "paused", what="the relay paused")
    assert state(client, "producer-0") == "running"
    assert stop(relay) == 0 and stop(producer) == 0


def test_a_loop_that_dies_takes_the_worker_down_with_a_nonzero_exit(redis_url: str, tmp_path: Path) -> None:
    worker = start_worker("tests.integration.bus.workers_for_tests:BROKEN", redis_url, tmp_path, "broken-0")

    code = worker.wait(20)

    assert code == 1
    log = (tmp_path / "broken-0.log").read_text()
    assert "loop_crashed" in log and "a bug in a source loop" in log


def test_halt_reduce_only_and_resume_set_the_persisted_trading_mode(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)

    send(redis_url, "reduce-only")
    after_reduce = client.get("ctl:trading_mode")
    send(redis_url, "halt")
    after_halt = client.get("ctl:trading_mode")
    send(redis_url, "resume")

    assert (after_reduce, after_halt, client.get("ctl:trading_mode")) == (b"REDUCE_ONLY", b"HALTED", b"ACTIVE")


def test_a_venue_that_is_not_up_yet_is_waited_for_instead_of_crashing_the_worker(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    worker = start_worker("tests.integration.bus.workers_for_tests:VENUE_LATE", redis_url, tmp_path, "late-0",
                          UPDOWN_REDIS__RECONNECT_INITIAL_MS="20", UPDOWN_REDIS__RECONNECT_MAX_MS="50")  # fmt: skip

    wait_for(lambda: client.get("test:setup_done") == b"1", what="setup to succeed on its third attempt")

    assert worker.poll() is None
    assert int(client.get("test:setup_attempts")) == 3  # type: ignore[arg-type]
    assert stop(worker) == 0
    assert "venue_unavailable" in (tmp_path / "late-0.log").read_text()


def test_a_workers_teardown_runs_on_sigterm(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    worker = start_worker("tests.integration.bus.workers_for_tests:WITH_TEARDOWN", redis_url, tmp_path, "td-0")
    wait_for(lambda: client.exists("health:td-0") == 1, what="the worker to start")

    assert stop(worker) == 0

    assert client.get("test:teardown_ran") == b"1"


async def test_trimming_survives_a_group_whose_pending_entries_are_acked_meanwhile(redis_url: str) -> None:
    from common.bus.writer import Writer
    from common.clock import SYSTEM_CLOCK
    from common.config import load_settings

    client = aioredis.Redis.from_url(redis_url)
    await client.xgroup_create("t.money", "g", id="0", mkstream=True)
    for _ in range(3):
        await client.xadd("t.money", {"f": "1"})
    await client.xreadgroup("g", "c", {"t.money": ">"})
    real_xpending = client.xpending

    async def acked_meanwhile(stream: str, group: str) -> dict[str, object]:
        summary: dict[str, object] = await real_xpending(stream, group)
        return {**summary, "pending": 0, "min": None, "max": None}

    client.xpending = acked_meanwhile  # type: ignore[method-assign]
    writer = Writer(client, "t", load_settings(env={}).bus, SYSTEM_CLOCK)

    trimmed = await writer.trim_pending_safe("t.money")

    assert trimmed >= 0
    await client.aclose()
