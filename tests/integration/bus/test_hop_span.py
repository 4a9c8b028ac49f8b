"""Every transforming stage measures its hop (an input's emit stamp to its outputs written and the
input acked) and publishes it in ``state:latency``, for ``updown report`` and the bus bench."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from common.bus import streams
from common.bus.codec import encode
from common.latency import LATENCY_KEY, hop_span
from common.schemas.heartbeat import Heartbeat
from tests.integration.bus.procs import start_worker, stop, wait_for

pytestmark = pytest.mark.integration
#: How long before the relay starts the beats are stamped as emitted.
AGE_MS = 1_500.0
#: The rolling summary reports a bucket's middle: within 0.5% of a real sample (common.latency).
SUMMARY_ERROR = 0.005


def test_a_stage_publishes_its_hop_from_the_inputs_emit_stamp_to_its_ack(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    stamped = round(time.time_ns() / 1e6 - AGE_MS, 3)
    for seq in range(1, 11):
        client.xadd(streams.HEARTBEAT, encode(Heartbeat(seq=seq, producer="test"), src="test",
                                              event_ms=int(stamped), ingest_ms=stamped, emit_ms=stamped))  # fmt: skip
    relay = start_worker("hb-relay", redis_url, tmp_path, "relay-0")
    wait_for(lambda: client.xlen(streams.HEARTBEAT_SEEN) == 10, timeout_s=30, what="the ten beats relayed")
    acked_by_ms = time.time_ns() / 1e6
    assert stop(relay) == 0

    span = hop_span("hb-relay", streams.HEARTBEAT)
    figures = {k.decode(): v.decode() for k, v in client.hgetall(LATENCY_KEY).items()}
    assert figures[f"{span}.count"] == "10"
    p50, p99 = float(figures[f"{span}.p50_ms"]), float(figures[f"{span}.p99_ms"])
    assert AGE_MS * (1 - SUMMARY_ERROR) <= p50 <= p99 <= (acked_by_ms - stamped) * (1 + SUMMARY_ERROR)
