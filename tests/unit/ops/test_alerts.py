"""Alerts a trader acts on: each raised once per change by the stage that knows it, on ``alerts``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import fakeredis
import pytest
import redis.asyncio as aioredis

from common import state
from common.bus import streams
from common.bus.codec import decode
from common.bus.writer import Writer
from common.clock import ManualClock
from common.config import load_settings
from common.logs import get_logger
from common.ops import alerts
from common.runner import Context
from common.schemas import ops
from common.schemas.feed import NEVER_DELIVERED, FeedStatus
from common.schemas.ops import AlertRaised
from common.schemas.ref import RefTick
from tests.unit.executor_loop.fakes import MARKET, FakeGateway, make_driver
from tests.unit.ledger_loop.harness import Bus
from tests.unit.quoter_loop.test_quoter_risk_modes import account, market, start_quoter
from tests.unit.quoter_loop.test_user_feed_pull import envelope, signal_for
from workers import feeds
from workers.executor.core import DEFAULT_CONFIG
from workers.feed_ref.core import Staleness
from workers.feed_ref.worker import as_feed_status
from workers.ledger import start_cash
from workers.ledger.core import Ledger
from workers.ledger.ops import Books
from workers.quoter import worker

T0 = 1_800_000_000_000


async def raised(redis: Any) -> list[AlertRaised]:
    entries: Sequence[tuple[bytes, dict[bytes, bytes]]] = await redis.xrange(streams.ALERTS)
    bodies = [decode(fields, i.decode()).body for i, fields in entries]
    return [b for b in bodies if isinstance(b, AlertRaised)]


# -- the decisions (pure) -------------------------------------------------------------------------


def status(state_: str, reason: str = "") -> FeedStatus:
    return FeedStatus(feed="book", state=state_, since_ms=T0, reason=reason)  # type: ignore[arg-type]


def test_a_feed_that_was_up_going_down_is_an_alert_but_one_still_connecting_for_the_first_time_is_not() -> None:
    assert alerts.feed_down(None, status("down", "connect failed"), "feed-book", T0) is None
    assert alerts.feed_down(status("down"), status("down"), "feed-book", T0) is None
    alert = alerts.feed_down(status("up"), status("down", "closed: 1006"), "feed-book", T0)
    assert alert is not None and alert.kind == ops.FEED_DOWN and alert.subject == "book"
    assert alert.detail == "closed: 1006" and alert.severity == "critical"


def test_a_reference_source_that_never_delivered_going_stale_after_its_start_up_grace_is_not_an_alert() -> None:
    clock = ManualClock(T0)
    staleness = Staleness(clock, [("binance", "btc")], {"binance": 3_000})
    [graced] = [as_feed_status(s, clock.now_ms()) for s in staleness.changes()]  # "up" during the grace
    clock.advance(3_500)
    [never] = [as_feed_status(s, clock.now_ms()) for s in staleness.changes()]
    staleness.observe(RefTick(source="binance", asset="btc", symbol="btcusdt", value_e18=1,
                              venue_ts_ms=clock.now_ms(), recv_ts_ms=clock.now_ms()))  # fmt: skip
    [working] = [as_feed_status(s, clock.now_ms()) for s in staleness.changes()]
    clock.advance(3_500)
    [stale] = [as_feed_status(s, clock.now_ms()) for s in staleness.changes()]

    assert graced.state == "up" and never.state == "down" and never.reason == NEVER_DELIVERED
    assert alerts.feed_down(graced, never, "feed-ref", T0) is None
    assert alerts.feed_down(working, stale, "feed-ref", T0) is not None and stale.reason == "stale"


def test_a_heartbeat_turning_late_then_failed_raises_twice_and_staying_late_raises_nothing_more() -> None:
    assert alerts.heartbeat("ok", "ok", "executor", T0) is None
    late = alerts.heartbeat("ok", "late", "executor", T0)
    assert late is not None and late.severity == "warning" and late.kind == ops.HEARTBEAT_LATE
    assert alerts.heartbeat("late", "late", "executor", T0) is None
    failed = alerts.heartbeat("late", "failed", "executor", T0)
    assert failed is not None and failed.severity == "critical"


def test_only_markets_newly_quarantined_raise_an_alert_each() -> None:
    found = alerts.quarantined(("0xa",), {"0xa": "old", "0xb": "two open orders in one slot"}, "executor", T0)
    assert [(a.kind, a.subject, a.detail) for a in found] == [(ops.MARKET_QUARANTINED, "0xb",
                                                              "two open orders in one slot")]  # fmt: skip


def test_the_daily_loss_limit_stopping_the_quoting_raises_once_and_a_halt_someone_chose_does_not() -> None:
    assert alerts.trading_halted(None, "halted", "quoter", T0) is None
    first = alerts.trading_halted(None, "daily_loss_limit", "quoter", T0)
    assert first is not None and first.kind == ops.TRADING_HALTED
    assert alerts.trading_halted("daily_loss_limit", "daily_loss_limit", "quoter", T0) is None


def test_ledger_and_venue_cash_disagreeing_is_an_alert_and_agreeing_is_not() -> None:
    assert alerts.ledger_mismatch(5, 5, "ledger", T0) is None
    alert = alerts.ledger_mismatch(5, 7, "ledger", T0)
    assert alert is not None and alert.kind == ops.LEDGER_VENUE_MISMATCH and "difference 2" in alert.detail


# -- the stages raising them ------------------------------------------------------------------------


def feed_ctx() -> Context:
    redis = fakeredis.aioredis.FakeRedis()
    clock = ManualClock(T0)
    settings = load_settings(env={})
    return Context(name="feed-book", instance="feed-book", settings=settings, redis=redis, log=get_logger("feed-book"),
                   writer=Writer(redis, "feed-book", settings.bus, clock), clock=clock)  # fmt: skip


async def test_the_feed_worker_puts_a_feed_down_alert_on_the_stream_when_its_feed_drops() -> None:
    ctx = feed_ctx()
    await feeds.publish_status(ctx, status("down", "connect failed"))  # still starting: no alert
    await feeds.publish_status(ctx, status("up"))
    await feeds.publish_status(ctx, status("down", "closed: 1006"))

    found = await raised(ctx.redis)

    assert [(a.kind, a.subject, a.process) for a in found] == [(ops.FEED_DOWN, "book", "feed-book")]
    assert (await state.get(ctx.redis, state.FEEDS, "book", FeedStatus)).state == "down"  # type: ignore[union-attr]


async def test_the_executor_raises_a_late_heartbeat_and_a_quarantined_market_with_its_status() -> None:
    driver, upkeep, clock = make_driver(FakeGateway())
    driver.core.heartbeat.last_ok_ms = clock.monotonic_ms()
    await upkeep._status(clock.now_ms(), force=True)
    assert await raised(driver.ctx.redis) == []  # heartbeat ok, nothing quarantined

    clock.advance(DEFAULT_CONFIG.heartbeat_fail_after_ms)
    driver.core.quarantine(MARKET, "a trade names order 0x1, unknown here", clock.now_ms())
    await upkeep._status(clock.now_ms(), force=True)
    await upkeep._status(clock.now_ms(), force=True)  # the same state again: no new alert

    found = await raised(driver.ctx.redis)
    assert sorted((a.kind, a.subject) for a in found) == [(ops.HEARTBEAT_LATE, "venue"),
                                                          (ops.MARKET_QUARANTINED, MARKET)]


async def test_the_quoter_raises_trading_halted_once_when_the_daily_loss_limit_is_hit(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    ctx = await start_quoter(client)
    try:
        limit = ctx.resources["cores"]["btc-updown-15m"].config.daily_loss_limit_micro
        await worker.handle(ctx, envelope(account().model_copy(update={"realized_pnl_micro": -limit})))
        m = market()
        first = await worker.handle(ctx, envelope(signal_for(m.series or "", m.slug, m.window_end_ms or 0)))
        again = await worker.handle(ctx, envelope(signal_for(m.series or "", m.slug, m.window_end_ms or 0)))
    finally:
        await ctx.writer.aclose()
        await client.aclose()

    [alert] = [e.body for e in first if e.stream == streams.ALERTS]
    assert isinstance(alert, AlertRaised) and alert.kind == ops.TRADING_HALTED and alert.subject == "daily_loss_limit"
    assert [e for e in again if e.stream == streams.ALERTS] == []  # the same limit holding: no new alert


@pytest.mark.parametrize(("books", "venue", "expected"), [(10_000_000, 10_000_000, 0), (10_000_000, 9_000_000, 1)])
async def test_the_ledger_raises_ledger_venue_mismatch_when_its_cash_is_not_the_venues(
    monkeypatch: pytest.MonkeyPatch, books: int, venue: int, expected: int
) -> None:
    bus = Bus()
    ctx = await bus.start()

    async def balance(settings: Any, clock: Any) -> int:
        return venue

    monkeypatch.setattr(start_cash, "read_balance", balance)
    await start_cash.check_against_venue(ctx, Books(Ledger(books)))

    found = await raised(bus.redis)
    assert [a.kind for a in found] == [ops.LEDGER_VENUE_MISMATCH] * expected
