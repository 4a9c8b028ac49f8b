"""Two feed-book processes split two series of the real emulator (with its background traders);
one is killed (SIGKILL) and the other takes its series over: it subscribes the series' tokens,
the venue answers with fresh snapshots, and the series' book stream goes on, quiet no longer than
the lease (plus the time to take it up on a loaded machine)."""

from __future__ import annotations

import itertools
import signal
import time
from pathlib import Path

import pytest
import redis

from common.bus import streams
from common.runner.lease import lease_key
from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import emulator, venue_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SERIES = ("btc-updown-5m", "eth-updown-5m")
LEASE_MS = 3_000
#: Beyond the lease: subscribing again, the venue's snapshots, scheduling on a shared 2-core machine.
TAKE_UP_SLACK_MS = 3_000
ENV = {"UPDOWN_SERIES": '["btc-5m", "eth-5m"]', "UPDOWN_RUNNER__INSTANCES": '{"feed-book": 2}',
       "UPDOWN_RUNNER__SERIES_LEASE_MS": str(LEASE_MS)}  # fmt: skip
#: Book entries of the killed instance's series wanted after the kill.
AFTER_KILL = 20


def owner(client: redis.Redis, key: str) -> str | None:
    raw = client.get(lease_key("feed-book", key))
    return None if raw is None else raw.decode()


def entries(client: redis.Redis, key: str) -> list[tuple[int, bytes]]:
    """(entry time ms, message type) of the series' book stream."""
    return [(int(i.split(b"-")[0]), f[b"type"]) for i, f in client.xrange(streams.book(key))]


@pytest.mark.timeout(180)
def test_a_feed_book_killed_in_the_middle_hands_its_series_to_the_other(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, "--series", "btc-5m,eth-5m", "--no-chain", "--seed", "21") as url:
        env = {**venue_env(url), **ENV}
        discovery = start_worker("discovery", redis_url, tmp_path, "discovery-0", **env)
        procs = {name: start_worker("feed-book", redis_url, tmp_path, name, **env)
                 for name in ("feed-book-0", "feed-book-1")}  # fmt: skip
        try:
            wait_for(lambda: {owner(client, key) for key in SERIES} == set(procs), 60, "each feed-book owning a series")
            wait_for(lambda: all(len(entries(client, key)) >= 20 for key in SERIES), 60, "books of both series")
            orphan = SERIES[0]
            victim = owner(client, orphan)
            assert victim is not None
            survivor = next(name for name in procs if name != victim)
            procs[victim].send_signal(signal.SIGKILL)
            procs[victim].wait(10)
            killed_ms = int(time.time() * 1000)
            wait_for(lambda: owner(client, orphan) == survivor, 30, "the survivor owning the orphaned series")
            wait_for(lambda: sum(1 for ms, _ in entries(client, orphan) if ms > killed_ms) >= AFTER_KILL, 60,
                     "book entries of the orphaned series after the kill")  # fmt: skip
        finally:
            codes = stop_all([discovery, *(p for p in procs.values() if p.poll() is None)])
    assert codes == [0, 0]

    after = [(ms, kind) for ms, kind in entries(client, orphan) if ms > killed_ms]
    assert any(kind == b"book.snapshot" for _, kind in after)  # the survivor subscribed: fresh books
    times = [ms for ms, _ in entries(client, orphan)]
    gap_ms = max(b - a for a, b in itertools.pairwise(times))
    print(f"longest gap in the orphaned series' book stream: {gap_ms} ms (lease {LEASE_MS} ms)")
    assert gap_ms <= LEASE_MS + TAKE_UP_SLACK_MS
    assert sum(1 for ms in times if ms > killed_ms) >= AFTER_KILL
    client.close()
