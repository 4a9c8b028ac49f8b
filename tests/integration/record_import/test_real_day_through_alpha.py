"""A real Chainlink day, imported and replayed through the real alpha worker on a real Redis (its
own setup, the runner's consumer around its handler, its timer's tick, the clock at each entry's
recorded time), produces signals whose fair value follows the price against the strike and, just
before each window's end, agrees with the outcome the venue settled.

``updown replay`` replays a stage by the decision traces a run records; an import has none (it was
never run), so the entries are handed to alpha here in their recorded order and time instead."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis.asyncio as aioredis

from cli.record_import.command import main as record_import
from common.bus import streams
from common.bus.codec import decode
from common.bus.reader import Delivery, GroupReader
from common.bus.writer import Writer
from common.clock import ManualClock
from common.config import load_settings
from common.logs import get_logger
from common.runner.consume import Consumer
from common.runner.spec import Context
from common.schemas.base import load_all
from common.schemas.market import MarketRecord
from common.schemas.signal import Signal
from tests.shared_data import SHARED_DATA, needs_shared_data
from workers.alpha import worker as alpha
from workers.recorder.reading import read_recording

pytestmark = [pytest.mark.integration, pytest.mark.slow, needs_shared_data]
load_all()

#: Two hours of 2026-06-08: 24 five-minute windows, about 7,200 oracle ticks.
FROM, TO = "2026-06-08T10:00", "2026-06-08T12:00"
#: The last signal at most this long before a window's end is its verdict.
VERDICT_WITHIN_MS = 10_000


async def run_alpha(url: str, root: Path) -> tuple[list[Signal], dict[str, MarketRecord], dict[str, tuple[int, int]]]:
    """Alpha as the runner runs it, on the recording: its own setup, each entry XADDed under its
    recorded id and handed to the runner's consumer (decode, handle, write the outputs and ack), its
    timer's tick at every recorded second; the clock at each entry's time. Its signals, read back."""
    client = aioredis.Redis.from_url(url)
    settings = load_settings(env={"UPDOWN_SERIES": '["btc-5m"]'})
    records = list(read_recording(root))
    clock = ManualClock(records[0].ms)
    ctx = Context(name="alpha", instance="alpha-0", settings=settings, redis=client, log=get_logger("alpha"),
                  writer=Writer(client, "alpha", settings.bus, clock), clock=clock)  # fmt: skip
    spec = alpha.SPEC
    assert spec.setup is not None and spec.handle is not None
    await spec.setup(ctx)
    consumers = {}
    for inp in spec.inputs:
        for stream in inp.resolve(settings):
            reader = GroupReader(client, stream=stream, group=inp.group or spec.name, consumer=ctx.instance,
                                 cfg=settings.bus, block_ms=0, start_id=inp.start_id)  # fmt: skip
            await reader.ensure_group()
            consumers[stream] = Consumer(ctx, reader, spec.handle)
    resolved: dict[str, MarketRecord] = {}
    #: slug -> (when its record with the strike was handled, the strike x 1e18)
    strike_known: dict[str, tuple[int, int]] = {}
    next_tick_ms = records[0].ms // 1000 * 1000 + 1000
    for record in records:
        for next_tick_ms in range(next_tick_ms, record.ms + 1, 1000):  # noqa: B020 - the next tick carries on
            clock.advance(next_tick_ms - clock.now_ms())
            await alpha.timer_tick(ctx)
        next_tick_ms = max(next_tick_ms, record.ms // 1000 * 1000 + 1000)
        clock.advance(max(0, record.ms - clock.now_ms()))
        await client.xadd(record.stream, record.fields, id=record.id)  # type: ignore[arg-type]
        consumer = consumers[record.stream]
        await consumer.process([Delivery(record.stream, record.id, record.fields, 1)])
        await consumer.settle()
        body = decode(record.fields).body
        if isinstance(body, MarketRecord) and body.strike_e18 is not None:
            strike_known.setdefault(body.slug, (record.ms, body.strike_e18))
        if isinstance(body, MarketRecord) and body.winner_index is not None:
            resolved[body.slug] = body
    signals = [decode(fields).body for _, fields in await client.xrange(streams.signal("btc-updown-5m"))]
    assert await client.xlen(streams.dlq(streams.MARKETS)) == await client.xlen(streams.dlq(streams.ref("btc"))) == 0
    await ctx.writer.aclose()
    await client.aclose()
    return [s for s in signals if isinstance(s, Signal)], resolved, strike_known


async def test_a_real_chainlink_day_imported_and_run_through_alpha_gives_signals_that_call_the_outcomes(
    redis_url: str, tmp_path: Path
) -> None:
    # Arrange: two hours of a real day, imported as a recording
    out = tmp_path / "recording"
    day = SHARED_DATA / "chainlink"
    code = record_import([str(day / "BTCUSD-prices-2026-06-08.csv.gz"), str(day / "BTC-5m-markets-2026-06-08.jsonl.gz"),
                          "--out", str(out), "--from", FROM, "--to", TO])  # fmt: skip
    assert code == 0

    # Act
    signals, resolved, strike_known = await run_alpha(redis_url, out)

    # Assert: a signal per oracle tick and per timer tick of an open window, every fair value a probability
    assert len(signals) > 12_000
    assert all(0 < s.q_up_ppm < 1_000_000 for s in signals)
    assert {s.series for s in signals} == {"btc-updown-5m"}
    # ...priced against the recorded strike once published (before: alpha's own from the oracle's
    # history), and on its side of it when the price is clearly away
    known = [
        (s, strike_known[s.slug]) for s in signals if s.slug in strike_known and s.computed_ms > strike_known[s.slug][0]
    ]
    assert len(known) > 0.9 * len(signals)
    assert all(s.strike_micro == round(strike / 10**12) for s, (_, strike) in known)
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
