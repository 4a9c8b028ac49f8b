"""The quoter loop pulls every quote while the user feed is down, and quotes again once it is up."""

from __future__ import annotations

import time

import fakeredis.aioredis

from bench.feed_book import record
from common.bus.envelope import Envelope
from common.bus.writer import Writer
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from common.logs import get_logger
from common.runner.spec import Context
from common.schemas.feed import FeedStatus
from common.schemas.intent import Intent
from common.schemas.signal import Signal
from workers.quoter import worker


def envelope(body: object) -> Envelope:
    now = int(time.time() * 1000)
    return Envelope(body=body, src="test", key="", event_ms=now, ingest_ms=now, emit_ms=now, id="1-0")  # type: ignore[arg-type]


def signal_for(series: str, slug: str, end_ms: int) -> Signal:
    now = int(time.time() * 1000)
    return Signal(series=series, slug=slug, window_end_ms=end_ms, computed_ms=now, valid_until_ms=now + 2_000,
                  regime="NORMAL", q_up_ppm=500_000, target_total_micro=960_000, size_factor_ppm=1_000_000,
                  vol_ppb=60_000, vol_fast_ppb=60_000, settlement_sd_micro=50_000_000,
                  time_to_end_ms=end_ms - now)  # fmt: skip


async def test_the_quoter_pulls_while_the_user_feed_is_down_and_quotes_again_after() -> None:
    redis = fakeredis.aioredis.FakeRedis()
    settings = load_settings(env={})
    writer = Writer(redis, "quoter", settings.bus, SYSTEM_CLOCK)
    ctx = Context(name="quoter", instance="quoter-0", settings=settings, redis=redis, writer=writer,
                  log=get_logger("t"), clock=SYSTEM_CLOCK)  # fmt: skip
    await worker.setup(ctx)
    market = record()
    await worker.handle(ctx, envelope(market))
    signal = signal_for(market.series or "", market.slug, market.window_end_ms or 0)

    quoting = await worker.handle(ctx, envelope(signal))
    now = int(time.time() * 1000)
    pulled = await worker.handle(ctx, envelope(FeedStatus(feed="user", state="down", since_ms=now, reason="idle")))
    while_down = await worker.handle(ctx, envelope(signal))
    back = await worker.handle(ctx, envelope(FeedStatus(feed="user", state="up", since_ms=now)))

    def orders(emits: object) -> int:
        intents = [e.body for e in emits if isinstance(e.body, Intent)]  # type: ignore[attr-defined]
        assert intents
        return len(intents[-1].orders)

    assert orders(quoting) > 0
    assert orders(pulled) == 0 and orders(while_down) == 0
    assert orders(back) > 0
