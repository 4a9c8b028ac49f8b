"""A Redis error or a busy venue inside a handler is not the entry's fault: however often it
happens, the entry is not dead-lettered and goes through once the infrastructure is back."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from common.bus import streams
from common.bus.codec import decode, encode
from common.schemas.heartbeat import Heartbeat
from tests.integration.bus import workers_infra_failures as tw
from tests.integration.bus.procs import start_worker, stop, wait_for

pytestmark = pytest.mark.integration
#: Redis stops answering under the handler this many times: more than ``bus.max_deliveries`` (5).
BLIPS = 7
#: How long each time (``CLIENT PAUSE``): longer than the worker's socket timeout in the test.
BLIP_MS = 1_500


def beat(seq: int) -> dict[bytes, bytes]:
    return encode(Heartbeat(seq=seq, producer="test"), src="test", event_ms=1, ingest_ms=1, emit_ms=1)


def tried(attempts: Path) -> int:
    return len(attempts.read_text().split()) if attempts.exists() else 0


def failures(tmp: Path) -> int:
    """The handler failures the worker logged (as the infrastructure's, or before, as the entry's)."""
    log = (tmp / "w-0.log").read_text()
    return log.count('"event":"handler_unavailable"') + log.count('"event":"handler_failed"')


@pytest.mark.parametrize("spec", ["REDIS_AWAY", "VENUE_BUSY"])
def test_an_entry_whose_handler_hits_infrastructure_errors_more_times_than_the_limit_is_still_handled(
    redis_url: str, tmp_path: Path, spec: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    entry_id = client.xadd(tw.IN_STREAM, beat(7)).decode()

    worker = start_worker(f"tests.integration.bus.workers_infra_failures:{spec}", redis_url, tmp_path, "w-0",
                          UPDOWN_REDIS__RECONNECT_INITIAL_MS="10", UPDOWN_REDIS__RECONNECT_MAX_MS="50")  # fmt: skip
    try:
        wait_for(lambda: (client.exists(tw.OUT_STREAM) and client.xlen(tw.OUT_STREAM) == 1)
                 or client.exists(streams.dlq(tw.IN_STREAM)), timeout_s=40, what="the entry handled")  # fmt: skip
    finally:
        assert stop(worker) == 0

    assert not client.exists(streams.dlq(tw.IN_STREAM)), "dead-lettered for the infrastructure's failures"
    assert [decode(f).body.seq for _, f in client.xrange(tw.OUT_STREAM)] == [7]  # type: ignore[attr-defined]
    assert int(client.get(tw.attempts_key(entry_id)) or 0) == tw.FAILURES + 1
    group = spec.lower().replace("_", "-")
    assert int(client.xpending(tw.IN_STREAM, group)["pending"]) == 0


@pytest.mark.slow
def test_an_entry_in_hand_each_time_redis_stops_answering_is_booked_once_it_answers_not_dead_lettered(
    redis_url: str, tmp_path: Path
) -> None:
    hold = tmp_path / "hold"
    attempts = tmp_path / "attempts"
    hold.touch()
    client = redis.Redis.from_url(redis_url)
    client.xadd(tw.IN_STREAM, beat(3))
    worker = start_worker("tests.integration.bus.workers_infra_failures:HELD", redis_url, tmp_path, "w-0",
                          UPDOWN_REDIS__SOCKET_TIMEOUT_MS="400", UPDOWN_REDIS__RECONNECT_INITIAL_MS="20",
                          UPDOWN_REDIS__RECONNECT_MAX_MS="200")  # fmt: skip
    try:
        for blip in range(1, BLIPS + 1):
            wait_for(lambda n=blip: tried(attempts) >= n or client.exists(streams.dlq(tw.IN_STREAM)),  # type: ignore[misc]
                     timeout_s=40, what=f"the handler's attempt {blip}")  # fmt: skip
            assert not client.exists(streams.dlq(tw.IN_STREAM)), f"dead-lettered after {blip - 1} blips"
            client.execute_command("CLIENT", "PAUSE", BLIP_MS)  # Redis stops answering, the entry in hand
            hold.unlink()  # the handler's Redis call now times out
            wait_for(lambda n=blip: failures(tmp_path) >= n, what=f"the handler's failure {blip}")  # type: ignore[misc]
            hold.touch()
        hold.unlink()
        wait_for(lambda: (client.exists(tw.OUT_STREAM) and client.xlen(tw.OUT_STREAM) == 1)
                 or client.exists(streams.dlq(tw.IN_STREAM)), timeout_s=40, what="the entry booked")  # fmt: skip
        assert not client.exists(streams.dlq(tw.IN_STREAM)), "dead-lettered for Redis not answering"
        assert client.get("test:booked:3") == b"1"
        assert [decode(f).body.seq for _, f in client.xrange(tw.OUT_STREAM)] == [3]  # type: ignore[attr-defined]
        assert int(client.xpending(tw.IN_STREAM, "held")["pending"]) == 0
    finally:
        assert stop(worker) == 0
