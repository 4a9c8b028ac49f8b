"""A Redis error while publishing keeps the frame's writes, reports the feed down, and up after."""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError

from common.clock import ManualClock
from common.config.settings import RedisSettings
from common.logs import get_logger
from common.schemas.feed import FeedStatus
from workers.feed_user.publish import FeedHealth, Publisher


class Redis:
    """Stands for Redis from the feed's side: away or not, and what was written."""

    def __init__(self) -> None:
        self.away = False
        self.statuses: list[FeedStatus] = []
        self.writes: list[str] = []

    async def report(self, status: FeedStatus) -> None:
        self._check()
        self.statuses.append(status)

    def write(self, what: str):  # type: ignore[no-untyped-def]
        async def step() -> None:
            self._check()
            self.writes.append(what)

        return step

    def _check(self) -> None:
        if self.away:
            raise RedisConnectionError("Connection refused")


def publisher(redis: Redis, clock: ManualClock, sleeps_before_back: int) -> Publisher:
    slept = []

    async def sleep(seconds: float) -> bool:
        slept.append(seconds)
        clock.advance(1_000)
        redis.away = len(slept) < sleeps_before_back
        return True

    health = FeedHealth("user", redis.report, clock, get_logger("t"))
    return Publisher(health, sleep, RedisSettings())


async def test_a_redis_outage_during_a_frame_reports_down_then_up_and_writes_every_fill_once() -> None:
    redis, clock = Redis(), ManualClock(10_000)
    pub = publisher(redis, clock, sleeps_before_back=3)
    await pub.health.on_link(FeedStatus(feed="user", state="up", since_ms=clock.now_ms()))
    redis.away = True

    done = await pub.run([redis.write("fill-1"), redis.write("fill-2")])

    assert done
    assert redis.writes == ["fill-1", "fill-2"]
    assert [s.state for s in redis.statuses] == ["up", "down", "up"]
    down, back = redis.statuses[1:]
    assert down.reason.startswith("cannot publish")
    assert down.since_ms == 10_000 and back.gap_ms == 3_000


async def test_a_socket_that_reconnects_while_publishing_fails_does_not_make_the_feed_up() -> None:
    redis, clock = Redis(), ManualClock(10_000)
    health = FeedHealth("user", redis.report, clock, get_logger("t"))
    await health.on_link(FeedStatus(feed="user", state="up", since_ms=clock.now_ms()))
    await health.publish_failed(RedisConnectionError("OOM command not allowed"))
    await health.on_link(FeedStatus(feed="user", state="down", since_ms=clock.now_ms(), reason="closed 1006"))

    await health.on_link(FeedStatus(feed="user", state="up", since_ms=clock.now_ms()))

    assert [s.state for s in redis.statuses] == ["up", "down"]
    clock.advance(500)
    await health.publish_ok()
    assert [s.state for s in redis.statuses] == ["up", "down", "up"] and redis.statuses[-1].gap_ms == 500


async def test_a_stop_while_redis_is_away_gives_up_the_writes_without_raising() -> None:
    redis, clock = Redis(), ManualClock(10_000)
    redis.away = True

    async def stopping(seconds: float) -> bool:
        return False

    pub = Publisher(FeedHealth("user", redis.report, clock, get_logger("t")), stopping, RedisSettings())

    assert await pub.run([redis.write("fill-1")]) is False
    assert redis.writes == []
