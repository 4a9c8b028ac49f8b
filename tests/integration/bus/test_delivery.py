"""Delivery guarantees of the bus with real redis-server and real worker processes."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import redis

from common.bus import streams
from common.bus.codec import decode, encode
from common.schemas.heartbeat import Heartbeat
from tests.integration.bus import workers_for_tests as tw
from tests.integration.bus.procs import start_worker, stop, wait_for

pytestmark = pytest.mark.integration


def beat(seq: int) -> dict[bytes, bytes]:
    return encode(Heartbeat(seq=seq, producer="test"), src="test", event_ms=1, ingest_ms=1, emit_ms=1)


def seen_seqs(client: redis.Redis, stream: str = streams.HEARTBEAT_SEEN) -> list[int]:
    return [decode(f).body.seq for _, f in client.xrange(stream)]  # type: ignore[attr-defined]


def pending(client: redis.Redis, stream: str, group: str) -> int:
    return int(client.xpending(stream, group)["pending"])


def test_worker_killed_after_emitting_but_before_acking_is_redelivered_and_emits_exactly_once(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    for seq in range(1, 6):
        client.xadd(streams.HEARTBEAT, beat(seq))

    crashing = start_worker("hb-relay", redis_url, tmp_path, "relay-0", UPDOWN_RUNNER__CRASH_AFTER_EMITS="3")
    assert crashing.wait(20) == -signal.SIGKILL
    assert seen_seqs(client) == [1, 2, 3]
    assert pending(client, streams.HEARTBEAT, "hb-relay") >= 1

    restarted = start_worker("hb-relay", redis_url, tmp_path, "relay-0")
    wait_for(lambda: len(seen_seqs(client)) >= 5, what="all five beats seen")
    time.sleep(0.5)
    assert stop(restarted) == 0

    assert seen_seqs(client) == [1, 2, 3, 4, 5]
    assert pending(client, streams.HEARTBEAT, "hb-relay") == 0
    assert not list(client.scan_iter(match="emitted:*"))


def test_entries_left_pending_by_a_consumer_that_never_returns_are_claimed_by_another(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    client.xgroup_create(streams.HEARTBEAT, "hb-relay", id="0", mkstream=True)
    for seq in range(1, 4):
        client.xadd(streams.HEARTBEAT, beat(seq))
    client.xreadgroup("hb-relay", "gone-forever", {streams.HEARTBEAT: ">"}, count=10)
    assert pending(client, streams.HEARTBEAT, "hb-relay") == 3

    other = start_worker("hb-relay", redis_url, tmp_path, "relay-1",
                         UPDOWN_BUS__CLAIM_IDLE_MS="300", UPDOWN_BUS__CLAIM_INTERVAL_MS="200")  # fmt: skip
    wait_for(lambda: len(seen_seqs(client)) == 3, what="abandoned beats claimed and handled")
    assert stop(other) == 0

    assert sorted(seen_seqs(client)) == [1, 2, 3]
    assert pending(client, streams.HEARTBEAT, "hb-relay") == 0
    relays = {decode(f).body.relay for _, f in client.xrange(streams.HEARTBEAT_SEEN)}  # type: ignore[attr-defined]
    assert relays == {"relay-1"}


def test_undecodable_and_always_failing_entries_are_dead_lettered_while_good_entries_flow(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    client.xadd(tw.IN_STREAM, beat(1))
    garbage_id = client.xadd(tw.IN_STREAM, {b"type": b"hb.beat", b"v": b"1", b"body": b"\xc1not msgpack"})
    client.xadd(tw.IN_STREAM, beat(2))
    poison_id = client.xadd(tw.IN_STREAM, beat(tw.POISON_SEQ))
    client.xadd(tw.IN_STREAM, beat(3))

    worker = start_worker("tests.integration.bus.workers_for_tests:FLAKY", redis_url, tmp_path, "flaky-0",
                          UPDOWN_BUS__MAX_DELIVERIES="3")  # fmt: skip
    wait_for(lambda: len(seen_seqs(client, tw.OUT_STREAM)) == 3, what="the good entries to flow")
    wait_for(lambda: client.xlen(streams.dlq(tw.IN_STREAM)) == 2, what="two dead letters")
    assert stop(worker) == 0

    assert seen_seqs(client, tw.OUT_STREAM) == [1, 2, 3]
    letters = {f[b"dlq_source"].decode(): f for _, f in client.xrange(streams.dlq(tw.IN_STREAM))}
    assert letters[f"{tw.IN_STREAM}/{garbage_id.decode()}"][b"dlq_reason"].startswith(b"decode")
    assert letters[f"{tw.IN_STREAM}/{poison_id.decode()}"][b"dlq_reason"].startswith(b"max_deliveries")
    assert int(letters[f"{tw.IN_STREAM}/{poison_id.decode()}"][b"dlq_deliveries"]) == 4
    assert pending(client, tw.IN_STREAM, "flaky") == 0


def test_sigterm_leaves_nothing_pending(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    producer = start_worker("hb-producer", redis_url, tmp_path, "producer-0", UPDOWN_HEARTBEAT__INTERVAL_MS="5")
    relay = start_worker("hb-relay", redis_url, tmp_path, "relay-0")
    wait_for(lambda: len(seen_seqs(client)) >= 100, what="a steady flow")

    assert stop(relay) == 0
    assert stop(producer) == 0

    assert pending(client, streams.HEARTBEAT, "hb-relay") == 0
    assert not client.exists("health:relay-0")
