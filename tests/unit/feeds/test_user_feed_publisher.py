"""A Redis error while publishing keeps the frame's writes, says the feed is down, and up after."""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError

from common.bus import streams
from common.bus.codec import decode
from common.schemas.feed import FeedStatus
from workers.feed_user import worker

from .user_feed_harness import T0_MS, feed_user

FAST_RETRY = {"UPDOWN_REDIS__RECONNECT_INITIAL_MS": "1", "UPDOWN_REDIS__RECONNECT_MAX_MS": "5"}


class Writes:
    """Writes that Redis refuses ``refusals`` times before taking them."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.done: list[str] = []

    def step(self, what: str):  # type: ignore[no-untyped-def]
        async def write() -> None:
            if self.refusals:
                self.refusals -= 1
                raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            self.done.append(what)

        return write


async def test_writes_refused_by_redis_are_retried_in_order_with_the_feed_said_down_then_up(redis_url: str) -> None:
    async with feed_user(redis_url, **FAST_RETRY) as ctx:
        publisher = worker.feed(ctx).publisher
        await publisher.report.on_link(FeedStatus(feed="user", state="up", since_ms=T0_MS))
        writes = Writes(refusals=3)

        done = await publisher.run([writes.step("fill-1"), writes.step("fill-2")])

        assert done and writes.done == ["fill-1", "fill-2"]
        said = [decode(fields).body for _, fields in await ctx.redis.xrange(streams.FEEDS)]
        assert [(s.state, s.reason.split(":")[0]) for s in said] == [  # type: ignore[attr-defined]
            ("up", ""),
            ("down", "cannot publish"),
            ("up", ""),
        ]


async def test_a_stop_while_redis_refuses_gives_the_writes_up_without_raising(redis_url: str) -> None:
    async with feed_user(redis_url, **FAST_RETRY) as ctx:
        publisher = worker.feed(ctx).publisher
        writes = Writes(refusals=1_000)
        ctx.stopping.set()

        assert await publisher.run([writes.step("fill-1")]) is False
        assert writes.done == []
