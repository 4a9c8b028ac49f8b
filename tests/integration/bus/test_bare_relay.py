"""The bus bench's baseline relay does the worker's hop: every entry relayed once and acked, its
hop figures written at SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from bench import bare_relay
from common.bus import streams
from common.bus.codec import decode, encode
from common.schemas.heartbeat import Heartbeat, HeartbeatSeen

pytestmark = pytest.mark.integration


def test_the_bare_relay_relays_each_entry_once_acks_it_and_reports_its_hop(redis_url: str, repo_root: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    proc = subprocess.Popen([sys.executable, "-m", "bench.bare_relay", redis_url], cwd=repo_root)
    try:
        deadline = time.monotonic() + 20
        while not (client.exists(streams.HEARTBEAT) and client.xinfo_groups(streams.HEARTBEAT)):
            assert time.monotonic() < deadline, "the bare relay did not create its group"
            time.sleep(0.05)
        for seq in range(1, 6):
            now = time.time() * 1000
            client.xadd(streams.HEARTBEAT, encode(Heartbeat(seq=seq, producer="test"), src="test", event_ms=int(now),
                                                  ingest_ms=now, emit_ms=now))  # fmt: skip
        while client.xlen(streams.HEARTBEAT_SEEN) < 5:
            assert time.monotonic() < deadline, "not relayed"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        proc.kill()
    seen = [decode(f, i.decode()).body for i, f in client.xrange(streams.HEARTBEAT_SEEN)]
    assert [b.seq for b in seen if isinstance(b, HeartbeatSeen)] == [1, 2, 3, 4, 5]
    assert client.xpending(streams.HEARTBEAT, bare_relay.GROUP)["pending"] == 0
    result = {k.decode(): float(v) for k, v in client.hgetall(bare_relay.RESULT_KEY).items()}
    assert result["count"] == 5
    assert 0 < result["p50_ms"] <= result["p99_ms"] < 20_000
    client.close()
