"""A lead move in the emulator becomes tick_to_cancel samples, end to end, in the report and in Prometheus.

Real parts: the emulator's CLOB and RTDS (``bench.cancel_venue``, whose mover flips the BTC price),
a real redis-server, and the real feed-ref, alpha, quoter and executor processes, as ``updown bench
cancel`` runs them. No timing is asserted: only that the span exists where a user looks for it.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest
import redis
import uvloop

from bench.cancel import SERIES_KEY, run
from bench.cancel_venue import Plan, serve
from cli.report import render
from common.bus import streams
from common.bus.codec import decode
from common.redis_server import free_port
from common.schemas.base import load_all

pytestmark = [pytest.mark.integration, pytest.mark.slow]
#: Timed cancels to wait for: enough to show every stage carried the mark.
CANCELS = 10


def marked(client: redis.Redis, stream: str) -> int:
    """Entries of ``stream`` whose body says its frame moved the fair value beyond the threshold."""
    load_all()
    return sum(bool(getattr(decode(f).body, "fair_move", False)) for _, f in client.xrange(stream))


@pytest.mark.timeout(300)
def test_a_lead_move_gives_tick_to_cancel_samples_in_the_report_and_in_prometheus(
    redis_url: str, tmp_path: Path
) -> None:
    # Arrange: the emulator with a window open for the run and its price flipping 5 bps 4 times a second.
    now_s = int(time.time())
    plan = Plan(start_s=now_s - 60, end_s=now_s + 900, move_bps=5.0, moves_per_s=4.0)
    port = free_port()
    venue = multiprocessing.get_context("spawn").Process(target=serve, args=(port, plan), daemon=True)
    venue.start()
    try:
        # Act: feed-ref, alpha, quoter and executor run until the executor timed CANCELS cancels.
        figures = uvloop.run(run(redis_url, f"http://127.0.0.1:{port}", plan, tmp_path, CANCELS, 200.0))
    finally:
        venue.terminate()
        venue.join(10)

    # Assert: alpha marked moves, the quoter carried the mark, the executor timed the cancels.
    client = redis.Redis.from_url(redis_url)
    try:
        assert marked(client, streams.signal(SERIES_KEY)) > 0
        assert marked(client, streams.intent(SERIES_KEY)) > 0
        assert figures.get("count", 0) >= CANCELS, figures
        assert figures.get("prom_count", 0) >= CANCELS, figures
        report = render(client)
    finally:
        client.close()
    [row] = [line.split() for line in report.splitlines() if line.startswith("tick_to_cancel")]
    assert int(row[1]) >= CANCELS
