"""Two quoter processes split two series through leases in Redis; one is killed (SIGKILL, or
stopped with SIGTERM) in the middle of a stream of signals, and the other takes its series over
within the lease: every signal of both series ends up as exactly one intent, in the signals' order,
and the killed instance's series goes quiet no longer than the lease (plus the time to take it up
on a loaded machine). A graceful stop gives the leases back at once: the gap is then shorter.

Real parts: a real redis-server, the real quoter worker (``updown worker quoter``) twice, its real
runner. The signals are written by the test (the alpha's part), one every ``FEED_EVERY_S`` per
series, each with its own number in the envelope's ``event_ms``: an intent carries its cause's.
"""

from __future__ import annotations

import itertools
import signal
import threading
import time
from pathlib import Path

import pytest
import redis

from common import state
from common.bus import streams
from common.bus.codec import encode
from common.runner.lease import lease_key
from common.schemas.market import MarketRecord, Settlement
from common.schemas.signal import Signal
from tests.integration.bus.procs import start_worker, stop_all, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SERIES = {"btc-15m": "btc-updown-15m", "eth-15m": "eth-updown-15m"}
LEASE_MS = 3_000
#: Beyond the lease, what taking a series up may cost on a shared 2-core machine: the survivor's
#: claim, its consumer's first reads, scheduling.
TAKE_UP_SLACK_MS = 2_000
FEED_EVERY_S = 0.05
#: Intents per series before the kill, and of the killed instance's series after it.
BEFORE_KILL = 40
AFTER_KILL = 60
ENV = {"UPDOWN_SERIES": '["btc-15m", "eth-15m"]', "UPDOWN_RUNNER__INSTANCES": '{"quoter": 2}',
       "UPDOWN_RUNNER__SERIES_LEASE_MS": str(LEASE_MS)}  # fmt: skip


def window(key: str, now_ms: int) -> MarketRecord:
    start = now_ms // 900_000 * 900_000
    asset = key.split("-")[0]
    return MarketRecord(
        series=key, slug=f"{key}-{start // 1000}", gamma_id=asset, condition_id=f"0xc0{asset}",
        outcomes=("Up", "Down"), token_ids=(f"{asset}-up", f"{asset}-down"), protocol_version="v1",
        window_start_ms=start, window_end_ms=start + 900_000, tick_size_micro=10_000,
        min_size_micro=5_000_000, fees_enabled=False, rewards_min_size_micro=0, rewards_max_spread_micro=0,
        neg_risk=False, settlement=Settlement(kind="twap", lookback_s=60), active=True, closed=False,
        accepting_orders=True,
    )  # fmt: skip


def signal_of(record: MarketRecord, now_ms: int) -> Signal:
    end = record.window_end_ms or 0
    return Signal(series=record.series or "", slug=record.slug, window_end_ms=end, computed_ms=now_ms,
                  valid_until_ms=now_ms + 2_000, regime="NORMAL", q_up_ppm=500_000, target_total_micro=960_000,
                  size_factor_ppm=1_000_000, vol_ppb=60_000, vol_fast_ppb=60_000, settlement_sd_micro=50_000_000,
                  time_to_end_ms=end - now_ms)  # fmt: skip


class Feed(threading.Thread):
    """The alpha's part: a signal per series every ``FEED_EVERY_S``, numbered in ``event_ms``."""

    def __init__(self, url: str, records: dict[str, MarketRecord]) -> None:
        super().__init__(daemon=True)
        self.client = redis.Redis.from_url(url)
        self.records = records
        self.sent: dict[str, list[int]] = {key: [] for key in records}
        self.halt = threading.Event()
        self.seq = 0

    def run(self) -> None:
        while not self.halt.is_set():
            now_ms = int(time.time() * 1000)
            for key, record in self.records.items():
                self.seq += 1
                fields = encode(signal_of(record, now_ms), src="alpha", key=key, event_ms=self.seq,
                                ingest_ms=float(now_ms), emit_ms=float(now_ms))  # fmt: skip
                self.client.xadd(streams.signal(key), fields)  # type: ignore[arg-type]
                self.sent[key].append(self.seq)
            time.sleep(FEED_EVERY_S)


def intents(client: redis.Redis, key: str) -> list[tuple[int, float]]:
    """The series' intents: (their cause's number, when each was written, ms)."""
    return [(int(f[b"event_ms"]), float(f[b"emit_ms"])) for _, f in client.xrange(streams.intent(key))]


def owner(client: redis.Redis, key: str) -> str | None:
    raw = client.get(lease_key("quoter", key))
    return None if raw is None else raw.decode()


#: Where the two quoters run: (process name, machine tag) each. On two machines supervisord names
#: both ``quoter-0``; ``runner.host_tag`` keeps their instance names apart.
PLACES = {
    "one machine": (("quoter-0", ""), ("quoter-1", "")),
    "two machines": (("quoter-0", "vm1"), ("quoter-0", "vm2")),
}


@pytest.mark.timeout(180)
@pytest.mark.parametrize(("place", "stop"), [("one machine", signal.SIGKILL), ("two machines", signal.SIGKILL),
                                            ("one machine", signal.SIGTERM)])  # fmt: skip
def test_a_quoter_killed_in_the_middle_hands_its_series_to_the_other_with_no_intent_lost_or_doubled(
    redis_url: str, tmp_path: Path, place: str, stop: signal.Signals
) -> None:
    # Arrange: the windows discovery would have published, and the quoter's groups on the signals.
    client = redis.Redis.from_url(redis_url)
    now_ms = int(time.time() * 1000)
    records = {key: window(key, now_ms) for key in SERIES.values()}
    for record in records.values():
        state.put(client, state.MARKETS, record.slug, record)
        client.xgroup_create(streams.signal(record.series or ""), "quoter", id="0", mkstream=True)
    procs, logs = {}, {}
    for process, tag in PLACES[place]:
        instance, folder = (f"{process}-{tag}", tmp_path / tag) if tag else (process, tmp_path)
        folder.mkdir(exist_ok=True)
        procs[instance] = start_worker("quoter", redis_url, folder, process, UPDOWN_RUNNER__HOST_TAG=tag, **ENV)
        logs[instance] = folder / f"{process}.log"
    wait_for(lambda: {owner(client, key) for key in SERIES.values()} == set(procs), 60, "each quoter owning a series")
    feed = Feed(redis_url, records)
    feed.start()
    try:
        wait_for(lambda: all(len(intents(client, key)) >= BEFORE_KILL for key in SERIES.values()), 60,
                 "intents of both series")  # fmt: skip
        # Act: kill the owner of the first series; the other must take it over.
        orphan = next(iter(SERIES.values()))
        victim = owner(client, orphan)
        assert victim is not None
        survivor = next(name for name in procs if name != victim)
        procs[victim].send_signal(stop)  # SIGTERM: a graceful stop gives its leases back at once
        procs[victim].wait(10)
        killed_ms = time.time() * 1000
        wait_for(lambda: owner(client, orphan) == survivor, 30, "the survivor owning the orphaned series")
        wait_for(lambda: sum(1 for _, emit in intents(client, orphan) if emit > killed_ms) >= AFTER_KILL, 60,
                 "intents of the orphaned series from the survivor")  # fmt: skip
    finally:
        feed.halt.set()
        feed.join(5)
        feed.client.close()
    for key in SERIES.values():
        wait_for(lambda key=key: len(intents(client, key)) >= len(feed.sent[key]), 30, f"every signal of {key}")
    assert stop_all([procs[survivor]]) == [0]

    # Assert: one intent per signal, in order, on both series.
    for key in SERIES.values():
        causes = [cause for cause, _ in intents(client, key)]
        assert causes == feed.sent[key], f"{key}: intents are not the signals one for one, in order"
    # The orphaned series was quiet no longer than the lease (and taking it up).
    emitted = [emit for _, emit in intents(client, orphan)]
    gap_ms = max(b - a for a, b in itertools.pairwise(emitted))
    print(f"{place}, {stop.name}: longest gap in the orphaned series {gap_ms:.0f} ms (lease {LEASE_MS} ms)")
    assert gap_ms <= LEASE_MS + TAKE_UP_SLACK_MS
    # The killed instance's pending signals were claimed, not lost: the logs say so.
    assert "series_consuming" in logs[survivor].read_text()
    client.close()
