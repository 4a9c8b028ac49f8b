"""Our trades read back from the venue fill what the socket missed, once, from a persisted cursor."""

from __future__ import annotations

import asyncio

from common.clock import ManualClock
from common.schemas.user import UserTrade
from common.venue.user_ws import parse_trade
from workers.feed_user import worker
from workers.feed_user.backfill import CURSOR_KEY, Backfill, next_cursor
from workers.feed_user.writes import publish_fill

from .user_feed_harness import T0_MS, feed_user, fill_ids, frame, trade

T0_S = T0_MS // 1000


class Venue:
    """``/data/trades`` of a venue that holds ``rows``, honouring ``after`` as the venue does."""

    def __init__(self, *rows: dict[str, object]) -> None:
        self.rows = list(rows)
        self.asked: list[int | None] = []

    async def sync_time(self) -> int:
        return 0

    async def trades(self, market: str | None = None, *, after_s: int | None = None) -> list[UserTrade]:
        self.asked.append(after_s)
        trades = [parse_trade({k: v for k, v in row.items() if k != "event_type"}, T0_MS) for row in self.rows]
        return [t for t in trades if after_s is None or (t.match_time_ms or 0) // 1000 > after_s]


def attach(ctx, venue: Venue) -> Backfill:  # type: ignore[no-untyped-def]
    state = worker.feed(ctx)
    state.backfill = Backfill(ctx, venue, state.core, state.publisher, lambda fill: publish_fill(ctx, fill, 0.0))
    return state.backfill


async def test_a_trade_the_socket_missed_is_published_from_the_venue_and_one_it_saw_is_not_again(
    redis_url: str,
) -> None:
    seen, missed = trade("t-seen", match_s=T0_S + 1), trade("t-missed", match_s=T0_S + 2)
    async with feed_user(redis_url) as ctx:
        backfill = attach(ctx, Venue(seen, missed))
        await worker.on_frame(ctx, frame(seen), 1.0)

        published = await backfill.once()

        assert published == 1
        assert await fill_ids(ctx) == ["t-seen:o-ours:MATCHED", "t-missed:o-ours:MATCHED"]


async def test_a_restart_resumes_from_the_persisted_cursor_and_publishes_nothing_twice(redis_url: str) -> None:
    rows = [trade(f"t-{i}", match_s=T0_S + 10 * i) for i in range(1, 4)]
    clock = ManualClock(T0_MS)
    async with feed_user(redis_url, clock, UPDOWN_USER_FEED__BACKFILL_LOOKBACK_S="5") as ctx:
        venue = Venue(*rows)
        await attach(ctx, venue).once()
        assert await ctx.redis.get(CURSOR_KEY) == str(T0_S + 30 - 5).encode()
    venue.rows.append(trade("t-4", match_s=T0_S + 40))
    async with feed_user(redis_url, clock, UPDOWN_USER_FEED__BACKFILL_LOOKBACK_S="5") as again:
        published = await attach(again, venue).once()

        assert venue.asked == [T0_S - 1, T0_S + 25]
        assert published == 1
        assert await fill_ids(again) == [f"t-{i}:o-ours:MATCHED" for i in range(1, 5)]


async def test_a_later_status_of_a_recent_trade_is_read_again_within_the_lookback(redis_url: str) -> None:
    async with feed_user(redis_url, UPDOWN_USER_FEED__BACKFILL_LOOKBACK_S="60") as ctx:
        venue = Venue(trade("t-1", match_s=T0_S + 5))
        backfill = attach(ctx, venue)
        await backfill.once()
        venue.rows = [trade("t-1", status="CONFIRMED", match_s=T0_S + 5)]

        await backfill.once()

        assert await fill_ids(ctx) == ["t-1:o-ours:MATCHED", "t-1:o-ours:CONFIRMED"]


def test_the_cursor_trails_the_newest_trade_and_never_moves_back() -> None:
    trades = [parse_trade(trade("t", match_s=s), 0) for s in (100, 400, 250)]

    assert next_cursor(0, trades, lookback_s=60) == 340
    assert next_cursor(390, trades, lookback_s=60) == 390
    assert next_cursor(390, [], lookback_s=60) == 390


async def test_every_reconnect_of_the_socket_reads_the_trades_again_without_waiting_for_the_interval(
    redis_url: str,
) -> None:
    async with feed_user(redis_url, UPDOWN_USER_FEED__BACKFILL_INTERVAL_S="3600") as ctx:
        venue = Venue(trade("t-1", match_s=T0_S + 1))
        loop = asyncio.create_task(attach(ctx, venue).run())
        sent: list[str] = []

        async def send(text: str) -> bool:
            sent.append(text)
            return True

        try:
            await until(lambda: len(venue.asked) == 1)
            venue.rows.append(trade("t-2", match_s=T0_S + 2))

            await worker.on_connect(ctx, send)

            await until(lambda: len(venue.asked) == 2)
            await until(lambda: worker.feed(ctx).backfill.published == 2)  # type: ignore[union-attr]
        finally:
            ctx.stopping.set()
            await loop
        assert len(sent) == 1
        assert await fill_ids(ctx) == ["t-1:o-ours:MATCHED", "t-2:o-ours:MATCHED"]


async def until(condition, timeout_s: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.01)
