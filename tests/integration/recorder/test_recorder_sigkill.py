"""The real recorder process against a real redis-server, SIGKILLed again and again while entries
keep coming (on streams that exist before it starts and one that appears later): once it is back
and caught up, its files, read with gzip and json (and ``zcat`` where there is one), hold every
entry exactly once, in order, with its exact bytes."""

from __future__ import annotations

import gzip
import json
import random
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis

from tests.integration.bus.procs import start_worker, stop, wait_for
from workers.recorder.files import StreamFiles
from workers.recorder.records import Record, decode_line

pytestmark = pytest.mark.integration
#: Streams written from the start, and one that appears while the recorder runs.
EARLY = ("book.btc-updown-5m", "fills", "audit")
LATE = "intent.btc-updown-5m"
#: Entries per stream.
PER_STREAM = 1_500
#: Times the recorder is SIGKILLed.
KILLS = 4
ENV = {
    "UPDOWN_RECORDER__FLUSH_INTERVAL_S": "0.1",
    "UPDOWN_RECORDER__FLUSH_ENTRIES": "40",
    "UPDOWN_RECORDER__RESCAN_INTERVAL_S": "0.3",
    "UPDOWN_RECORDER__READ_COUNT": "25",
}


def body(stream: str, i: int) -> bytes:
    return bytes([i % 256, 0xC4, 0xFF]) + f"{stream}:{i}".encode()


def produce(url: str, done: threading.Event) -> None:
    client = redis.Redis.from_url(url)
    for i in range(PER_STREAM):
        for stream in (*EARLY, LATE) if i >= PER_STREAM // 3 else EARLY:
            n = i if stream != LATE else i - PER_STREAM // 3
            client.xadd(stream, {b"type": b"test", b"src": b"producer", b"seq": str(n).encode(),
                                 b"body": body(stream, n)})  # fmt: skip
        if i % 2 == 0:  # about 8 s of entries: the kills land in the middle of them
            time.sleep(0.01)
    client.close()
    done.set()


def recorded(root: Path) -> dict[str, list[tuple[str, bytes]]]:
    out: dict[str, list[tuple[str, bytes]]] = {}
    for path in sorted(root.rglob("*.jsonl.gz")):  # names sort by date, hour, then file number
        for line in gzip.decompress(path.read_bytes()).splitlines():
            rec = decode_line(line)
            out.setdefault(rec.stream, []).append((rec.id, rec.fields[b"body"]))
    return out


def caught_up(client: redis.Redis, streams: tuple[str, ...]) -> bool:
    for stream in streams:
        groups = {g["name"]: g for g in client.xinfo_groups(stream)} if client.exists(stream) else {}
        group = groups.get(b"recorder")
        if group is None or group["pending"]:
            return False
        if group["last-delivered-id"] != client.xinfo_stream(stream)["last-generated-id"]:
            return False
    return True


def test_a_sigkilled_recorder_loses_and_repeats_no_entry(redis_url: str, tmp_path: Path) -> None:
    # Arrange: entries flowing on three streams (a fourth appears a third of the way in)
    client = redis.Redis.from_url(redis_url)
    client.xadd("audit", {b"type": b"test", b"src": b"producer", b"seq": b"-1", b"body": b"first"})
    done = threading.Event()
    producer = threading.Thread(target=produce, args=(redis_url, done), daemon=True)
    rng = random.Random(17)
    root = tmp_path / "record"
    recorder = start_worker("recorder", redis_url, tmp_path, "recorder-0", **ENV)
    producer.start()

    # Act: kill it at random moments once it has written something, and start it again each time
    for _ in range(KILLS):
        wait_for(lambda: any(root.rglob("*.jsonl.gz")), 60, "the recorder writing files")
        wait_for(lambda: client.exists("health:recorder-0") == 1, 60, "the recorder up")
        time.sleep(rng.uniform(0.2, 1.5))
        stop(recorder, signal.SIGKILL)
        recorder = start_worker("recorder", redis_url, tmp_path, "recorder-0", **ENV)
    producer.join(120)
    assert done.is_set(), "the producer did not finish"
    client.delete("health:recorder-0")  # the last killed one's
    wait_for(lambda: caught_up(client, (*EARLY, LATE)), 120, "the recorder catching up")
    wait_for(lambda: client.exists("health:recorder-0") == 1, 60, "the last recorder up")
    assert stop(recorder) == 0

    # Assert: every entry once, in order, with its bytes
    files = recorded(root)
    for stream in (*EARLY, LATE):
        expected = [(eid.decode(), f[b"body"]) for eid, f in client.xrange(stream)]
        assert files[stream] == expected, f"{stream}: {len(files[stream])} recorded of {len(expected)}"
    assert len(files["fills"]) == PER_STREAM and len(files[LATE]) == PER_STREAM - PER_STREAM // 3
    zcat = shutil.which("zcat")
    if zcat:
        for path in root.rglob("*.jsonl.gz"):
            out = subprocess.run([zcat, str(path)], capture_output=True, check=True).stdout
            assert all(json.loads(line)["id"] for line in out.splitlines())


def test_entries_on_disk_but_not_acked_when_it_died_are_acked_not_written_again(redis_url: str, tmp_path: Path) -> None:
    # Arrange: the state a SIGKILL between the fsync and the ack leaves: 30 entries read by the
    # recorder's consumer, on disk, still pending; 20 more never read
    client = redis.Redis.from_url(redis_url)
    ids = [client.xadd("fills", {b"type": b"test", b"body": body("fills", i)}).decode() for i in range(50)]
    client.xgroup_create("fills", "recorder", id="0")
    client.xreadgroup("recorder", "recorder-0", {"fills": ">"}, count=30)
    files = StreamFiles(tmp_path / "record", rotate_bytes=1 << 20)
    for eid, fields in client.xrange("fills", count=30):
        files.append(Record("fills", eid.decode(), fields))
    files.flush()

    # Act
    recorder = start_worker("recorder", redis_url, tmp_path, "recorder-0", **ENV)
    wait_for(lambda: caught_up(client, ("fills",)), 60, "the recorder catching up")
    assert stop(recorder) == 0

    # Assert
    assert [eid for eid, _ in recorded(tmp_path / "record")["fills"]] == ids


def test_a_disk_that_refuses_writes_gets_nothing_acked_and_everything_once_it_takes_them(
    redis_url: str, tmp_path: Path
) -> None:
    # Arrange: the recording's folder is a file, so no write can succeed
    client = redis.Redis.from_url(redis_url)
    root = tmp_path / "elsewhere"
    root.write_text("not a folder")
    ids = [client.xadd("fills", {b"type": b"test", b"body": body("fills", i)}).decode() for i in range(20)]
    recorder = start_worker("recorder", redis_url, tmp_path, "recorder-0", UPDOWN_RECORDER__DIR=str(root), **ENV)

    # Act: it reads, fails to write, acks nothing; then the disk takes writes again
    log = tmp_path / "recorder-0.log"
    wait_for(lambda: "recording_write_failed" in log.read_text(), 60, "the failed write")
    assert client.xpending("fills", "recorder")["pending"] == 20
    root.unlink()
    root.mkdir()
    wait_for(lambda: caught_up(client, ("fills",)), 60, "the recorder catching up")
    assert stop(recorder) == 0

    # Assert
    assert [eid for eid, _ in recorded(root)["fills"]] == ids


def test_a_stream_no_longer_recorded_loses_the_recorder_s_group_and_others_are_recorded(
    redis_url: str, tmp_path: Path
) -> None:
    # Arrange: an earlier recorder's group on hb, with entries pending (they hold hb's trimming back)
    client = redis.Redis.from_url(redis_url)
    client.xadd("hb", {b"type": b"test", b"body": b"x"})
    client.xgroup_create("hb", "recorder", id="0")
    client.xreadgroup("recorder", "recorder-0", {"hb": ">"})
    fill = client.xadd("fills", {b"type": b"test", b"body": b"y"}).decode()

    # Act
    recorder = start_worker("recorder", redis_url, tmp_path, "recorder-0", UPDOWN_RECORDER__EXCLUDE_PREFIXES='["hb"]',
                            **ENV)  # fmt: skip
    wait_for(lambda: caught_up(client, ("fills",)), 60, "the recorder catching up")
    wait_for(lambda: not client.xinfo_groups("hb"), 30, "the group gone from hb")
    assert stop(recorder) == 0

    # Assert
    assert recorded(tmp_path / "record") == {"fills": [(fill, b"y")]}


def test_a_stop_writes_and_acks_what_it_holds_without_waiting_for_the_next_flush(
    redis_url: str, tmp_path: Path
) -> None:
    # Arrange: flushes far apart, so that only the stop can write
    client = redis.Redis.from_url(redis_url)
    ids = [client.xadd("orders", {b"type": b"test", b"body": body("orders", i)}).decode() for i in range(30)]
    slow = {**ENV, "UPDOWN_RECORDER__FLUSH_INTERVAL_S": "600", "UPDOWN_RECORDER__FLUSH_ENTRIES": "100000"}
    recorder = start_worker("recorder", redis_url, tmp_path, "recorder-0", **slow)

    def all_read() -> bool:
        groups = client.xinfo_groups("orders")
        return any(g["name"] == b"recorder" and g["pending"] == len(ids) for g in groups)

    wait_for(all_read, 60, "every entry read")
    assert not list((tmp_path / "record").rglob("*.jsonl.gz"))

    # Act
    assert stop(recorder) == 0

    # Assert
    assert [eid for eid, _ in recorded(tmp_path / "record")["orders"]] == ids
    assert client.xpending("orders", "recorder")["pending"] == 0
