"""A real Chainlink day, imported, loaded into a real Redis and run through the real alpha worker
(its setup and handler, the clock set to each entry's recorded time), produces signals whose fair
value follows the price against the strike and, just before each window's end, agrees with the
outcome the venue settled."""

from __future__ import annotations

import heapq
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis

from cli.record_import.command import main as record_import
from common.bus.codec import decode
from common.bus.envelope import Envelope
from common.bus.writer import Writer
from common.clock import ManualClock
from common.config import load_settings
from common.logs import get_logger
from common.runner.spec import Context
from common.schemas.base import load_all
from common.schemas.market import MarketRecord
from common.schemas.signal import Signal
from tests.shared_data import SHARED_DATA, needs_shared_data
from workers.alpha import worker as alpha
from workers.recorder.reading import read_recording
from workers.recorder.records import parse_id

pytestmark = [pytest.mark.integration, needs_shared_data]
load_all()

#: Two hours of 2026-06-08: 24 five-minute windows, about 7,200 oracle ticks.
FROM, TO = "2026-06-08T10:00", "2026-06-08T12:00"
#: The last signal at most this long before a window's end is its verdict.
VERDICT_WITHIN_MS = 10_000


def load(url: str, root: Path) -> list[str]:
    """Every recorded entry XADDed under its own id, as the feeds and discovery wrote it; the streams."""
    client = redis.Redis.from_url(url)
    pipe = client.pipeline(transaction=False)
    for record in read_recording(root):
        pipe.xadd(record.stream, record.fields, id=record.id)  # type: ignore[arg-type]
    pipe.execute()
    names = sorted(s.decode() for s in client.scan_iter(_type="stream"))
    client.close()
    return names


async def run_alpha(url: str, stream_names: list[str]) -> tuple[list[Signal], dict[str, MarketRecord]]:
    """Alpha's own setup and handler over the entries read back from Redis, in id order."""
    redis_client = aioredis.Redis.from_url(url)
    settings = load_settings(env={"UPDOWN_SERIES": '["btc-5m"]'})
    clock = ManualClock(0)
    ctx = Context(name="alpha", instance="alpha-0", settings=settings, redis=redis_client, log=get_logger("alpha"),
                  writer=Writer(redis_client, "alpha", settings.bus, clock), clock=clock)  # fmt: skip
    await alpha.setup(ctx)
    per_stream = [[(parse_id(i.decode()), name, fields) for i, fields in await redis_client.xrange(name)]
                  for name in stream_names]  # fmt: skip
    signals: list[Signal] = []
    resolved: dict[str, MarketRecord] = {}
    for (ms, _), _, fields in heapq.merge(*per_stream, key=lambda e: (e[0], e[1])):
        env: Envelope = decode(fields)
        clock.advance(max(0, ms - clock.now_ms()))
        if isinstance(env.body, MarketRecord) and env.body.winner_index is not None:
            resolved[env.body.slug] = env.body
        signals += [emit.body for emit in await alpha.handle(ctx, env) if isinstance(emit.body, Signal)]
    await redis_client.aclose()
    return signals, resolved


async def test_a_real_chainlink_day_imported_and_run_through_alpha_gives_signals_that_call_the_outcomes(
    redis_url: str, tmp_path: Path
) -> None:
    # Arrange: two hours of a real day, imported as a recording and loaded into Redis
    out = tmp_path / "recording"
    day = SHARED_DATA / "chainlink"
    code = record_import([str(day / "BTCUSD-prices-2026-06-08.csv.gz"), str(day / "BTC-5m-markets-2026-06-08.jsonl.gz"),
                          "--out", str(out), "--from", FROM, "--to", TO])  # fmt: skip
    assert code == 0
    names = load(redis_url, out)
    assert names == ["markets", "ref.btc"]

    # Act
    signals, resolved = await run_alpha(redis_url, names)

    # Assert: a signal per oracle tick of an open window, every fair value a probability
    assert len(signals) > 6_000
    assert all(0 < s.q_up_ppm < 1_000_000 for s in signals)
    assert {s.series for s in signals} == {"btc-updown-5m"}
    # ...priced against the recorded strike, and on its side of it when the price is clearly away
    strikes = {slug: round(r.strike_e18 / 10**12) for slug, r in resolved.items() if r.strike_e18}
    assert all(s.strike_micro == strikes[s.slug] for s in signals if s.slug in strikes)
    clear = [s for s in signals if s.oracle_price_micro and s.strike_micro and s.settlement_sd_micro
             and abs(s.oracle_price_micro - s.strike_micro) > 2 * s.settlement_sd_micro]  # fmt: skip
    assert len(clear) > 500
    assert all((s.q_up_ppm > 500_000) == (s.oracle_price_micro > s.strike_micro) for s in clear)  # type: ignore[operator]
    # ...and the last signal before each window's end calls the settled outcome in most windows
    last: dict[str, Signal] = {}
    for s in signals:
        if 0 < s.time_to_end_ms <= VERDICT_WITHIN_MS:
            last[s.slug] = s
    called = [(last[slug].q_up_ppm > 500_000) == (record.winner_index == 0) for slug, record in resolved.items()
              if slug in last]  # fmt: skip
    assert len(called) >= 20
    assert sum(called) >= 0.85 * len(called), f"{sum(called)} of {len(called)} windows called right"
