"""A Redis restart (AOF on) is survived: the worker keeps its pid, groups and pending entries stay."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from common.bus import streams
from common.bus.codec import decode, encode
from common.redis_server import EmbeddedRedis
from common.schemas.heartbeat import Heartbeat
from tests.integration.bus.procs import start_worker, stop, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_redis_restart_with_aof_is_survived_without_a_crash_loop_and_with_groups_intact(
    tmp_path: Path,
) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        client = redis.Redis.from_url(server.url)
        relay = start_worker("hb-relay", server.url, tmp_path, "relay-0",
                             UPDOWN_REDIS__RECONNECT_MAX_MS="500")  # fmt: skip
        client.xadd(streams.HEARTBEAT, encode(Heartbeat(seq=1, producer="t"), src="t", event_ms=1,
                                              ingest_ms=1, emit_ms=1))  # fmt: skip
        wait_for(lambda: client.exists(streams.HEARTBEAT_SEEN) and client.xlen(streams.HEARTBEAT_SEEN) == 1,
                 what="the first beat")  # fmt: skip
        time.sleep(1.2)  # let appendfsync everysec write the group state

        server.stop()
        time.sleep(1.5)
        assert relay.poll() is None, "the worker died while Redis was away"
        server.start()
        client = redis.Redis.from_url(server.url)

        groups = {g["name"].decode() for g in client.xinfo_groups(streams.HEARTBEAT)}
        assert "hb-relay" in groups
        client.xadd(streams.HEARTBEAT, encode(Heartbeat(seq=2, producer="t"), src="t", event_ms=1,
                                              ingest_ms=1, emit_ms=1))  # fmt: skip
        wait_for(lambda: client.xlen(streams.HEARTBEAT_SEEN) == 2, what="the beat after the restart")
        assert relay.poll() is None
        assert stop(relay) == 0
        assert [decode(f).body.seq for _, f in client.xrange(streams.HEARTBEAT_SEEN)] == [1, 2]  # type: ignore[attr-defined]
    finally:
        server.stop()
