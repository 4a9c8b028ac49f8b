"""The event clock of a real process at N times the recorded pace (``runner.clock = "event"``)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from common.bus.envelope import Envelope
from common.clock import EventClock, PinnedClock
from common.config.settings import Settings
from common.runner.spec import Context
from common.runner.tracing import Tracer
from common.schemas.feed import FeedStatus
from common.schemas.market import MarketLifecycle

RECORDED_MS = 1_796_605_000_000


def context(clock: Any) -> Context:
    return Context(name="alpha", instance="alpha-0", settings=Settings(), redis=cast(Any, None),
                   writer=cast(Any, None), log=cast(Any, None), clock=clock)  # fmt: skip


def test_a_feeds_up_down_stamped_by_its_wall_clock_does_not_move_the_event_clock() -> None:
    tracer = Tracer("quoter", PinnedClock(EventClock()), run_ms=0)
    market = MarketLifecycle(series="btc-updown-60s", slug="s", condition_id="c", phase="open",
                             window_start_ms=None, window_end_ms=None, at_ms=RECORDED_MS, cause="clock")
    status = FeedStatus(feed="book", state="up", since_ms=RECORDED_MS + 3_600_000)

    at_market = tracer.pin_for(Envelope(market, "discovery", "s", RECORDED_MS, RECORDED_MS, RECORDED_MS))
    at_status = tracer.pin_for(Envelope(status, "feed-book", "book", RECORDED_MS + 3_600_000, 0.0, 0.0))
    at_earlier = tracer.pin_for(Envelope(market, "discovery", "s", RECORDED_MS - 5, RECORDED_MS, RECORDED_MS))

    assert at_market == RECORDED_MS
    assert at_status == RECORDED_MS
    assert at_earlier == RECORDED_MS - 5  # a handler reads its own entry's time...
    assert tracer.clock.base.now_ms() == RECORDED_MS  # ...the clock never goes back


async def test_a_decision_loop_on_an_event_clock_sleeps_in_recorded_time_not_on_the_wall() -> None:
    base = EventClock(RECORDED_MS)
    ctx = context(PinnedClock(base))
    sleeper = asyncio.create_task(asleep_then_now(ctx))
    await asyncio.sleep(0.05)
    base.follow(RECORDED_MS + 999)
    await asyncio.sleep(0.05)
    assert not sleeper.done()  # neither the wall's 50 ms nor 999 recorded ms are a second

    base.follow(RECORDED_MS + 1_250)  # an entry past the next second woke it

    assert await asyncio.wait_for(sleeper, 5) == (True, RECORDED_MS + 1_000)  # it decides on the second


async def asleep_then_now(ctx: Context) -> tuple[bool, int]:
    woke = await ctx.sleep_on_clock(1.0)
    return woke, ctx.clock.now_ms()


async def test_a_decision_loop_asleep_on_an_event_clock_wakes_to_stop() -> None:
    ctx = context(PinnedClock(EventClock(RECORDED_MS)))
    sleeper = asyncio.create_task(ctx.sleep_on_clock(1.0))
    await asyncio.sleep(0.01)

    ctx.stopping.set()

    assert await asyncio.wait_for(sleeper, 5) is False
