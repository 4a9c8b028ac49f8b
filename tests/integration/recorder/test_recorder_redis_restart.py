"""Redis killed -9 in the middle of a stream of entries and restarted from its append-only file:
the recorder rides it out and its files hold every entry Redis kept, once, in order (and nothing
twice of the second it may have lost)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import redis

from common.redis_server import EmbeddedRedis
from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.integration.recorder.test_recorder_sigkill import ENV, body, caught_up, recorded
from workers.recorder.records import parse_id

pytestmark = [pytest.mark.integration, pytest.mark.slow]
#: Entries written, about one every 5 ms.
ENTRIES = 1_500


def produce(url: str, done: threading.Event) -> None:
    client = redis.Redis.from_url(url, socket_timeout=2)
    i = 0
    while i < ENTRIES:
        try:
            client.xadd("fills", {b"type": b"test", b"seq": str(i).encode(), b"body": body("fills", i)})
            i += 1
        except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
            time.sleep(0.1)  # Redis away: keep the entry, try again
        time.sleep(0.005)
    client.close()
    done.set()


def test_a_redis_killed_and_restarted_from_its_aof_loses_the_recorder_nothing_it_kept(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        # Arrange
        done = threading.Event()
        recorder = start_worker("recorder", server.url, tmp_path, "recorder-0",
                                UPDOWN_REDIS__RECONNECT_MAX_MS="500", **ENV)  # fmt: skip
        producer = threading.Thread(target=produce, args=(server.url, done), daemon=True)
        producer.start()
        wait_for(lambda: any((tmp_path / "record").rglob("*.jsonl.gz")), 60, "the recorder writing")

        # Act (once appendfsync everysec has surely written the recorder's group)
        time.sleep(2.5)
        server.kill()
        time.sleep(1.5)
        assert recorder.poll() is None, "the recorder died while Redis was away"
        server.start()
        producer.join(120)
        assert done.is_set()
        client = redis.Redis.from_url(server.url)
        wait_for(lambda: caught_up(client, ("fills",)), 120, "the recorder catching up")
        assert stop(recorder) == 0

        # Assert
        kept = [eid.decode() for eid, _ in client.xrange("fills")]
        ids = [eid for eid, _ in recorded(tmp_path / "record")["fills"]]
        assert len(ids) == len(set(ids)), "an entry recorded twice"
        assert [parse_id(i) for i in ids] == sorted(parse_id(i) for i in ids)
        assert set(kept) <= set(ids), f"{len(set(kept) - set(ids))} entries Redis kept are not recorded"
        log = (tmp_path / "recorder-0.log").read_text()
        assert '"event":"redis_unavailable"' in log
        assert log.count('"event":"recording_stream","stream":"fills"') == 1, "the files read again after the outage"
        client.close()
    finally:
        server.stop()
