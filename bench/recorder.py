"""``updown bench recorder``: how fast the real recorder process writes a backlog to disk.

A fresh embedded Redis is filled with ``--entries`` envelopes (a book snapshot's size of body, of
seeded random bytes: the worst case for compression; a sim run's recording is ~7x smaller than its
JSON), spread over ``--streams`` streams, then the recorder (``updown worker recorder``) is started and
timed until its group has read and acked them all. Printed: entries per second, the compression
ratio, and the recorder's CPU time per entry (``/proc``): what it costs to record at that rate.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from bench.steal import Steal
from common.redis_server import EmbeddedRedis

#: Bytes of each entry's body: about a book snapshot's msgpack.
BODY_BYTES = 600
#: The bodies' random bytes, the same every run.
SEED = 17
#: How long the recorder gets to take the backlog before the bench gives up.
TIMEOUT_S = 600.0
ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="updown bench recorder")
    ap.add_argument("--entries", type=int, default=200_000)
    ap.add_argument("--streams", type=int, default=8)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp) / "redis") as server:
        client = redis.Redis.from_url(server.url)
        fill(client, args.entries, args.streams)
        env = dict(os.environ, REDIS_URL=server.url, UPDOWN_DATA_DIR=tmp, UPDOWN_INSTANCE="recorder-bench")
        env.pop("SUPERVISOR_PROCESS_NAME", None)
        steal = Steal()
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "worker", "recorder"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            while not caught_up(client, args.streams):
                if time.monotonic() - started > TIMEOUT_S or proc.poll() is not None:
                    print("the recorder did not take the backlog", file=sys.stderr)
                    return 1
                time.sleep(0.05)
            elapsed = time.monotonic() - started
            cpu_s = cpu_seconds(proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
        on_disk = sum(p.stat().st_size for p in (Path(tmp) / "record").rglob("*.jsonl.gz"))
        [(_, first)] = client.xrange(name(0), count=1)
        raw = sum(len(k) + len(v) for k, v in first.items()) * args.entries  # every entry about as large
        print(f"recorder: {args.entries:,} entries on {args.streams} streams in {elapsed:.1f} s (start-up included): "
              f"{args.entries / elapsed:,.0f} entries/s")  # fmt: skip
        print(f"  on disk {on_disk / 1e6:.1f} MB ({raw / max(on_disk, 1):.1f}x smaller than the entries' bytes)")
        print(f"  recorder CPU {cpu_s:.1f} s = {cpu_s / args.entries * 1e6:.0f} us per entry")
        print(f"  {steal.line()}")
        client.close()
    return 0


def name(i: int) -> str:
    return f"book.bench-{i}"


def fill(client: redis.Redis, entries: int, n_streams: int) -> None:
    rng = random.Random(SEED)
    pipe = client.pipeline(transaction=False)
    for i in range(entries):
        pipe.xadd(name(i % n_streams), {b"type": b"book.snapshot", b"v": b"1", b"src": b"bench", b"key": b"1",
                                        b"event_ms": str(i).encode(), b"ingest_ms": b"1.5", b"emit_ms": b"2.5",
                                        b"body": rng.randbytes(BODY_BYTES)})  # fmt: skip
        if i % 1_000 == 999:
            pipe.execute()
    pipe.execute()


def caught_up(client: redis.Redis, n_streams: int) -> bool:
    for i in range(n_streams):
        groups = {g["name"]: g for g in client.xinfo_groups(name(i))}
        group = groups.get(b"recorder")
        if group is None or group["pending"]:
            return False
        if group["last-delivered-id"] != client.xinfo_stream(name(i))["last-generated-id"]:
            return False
    return True


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
