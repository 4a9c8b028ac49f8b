"""What every feed loop shares: status publishing, raw-frame dead letters, market bookkeeping, and
a feed's life through Redis outages (its batcher, its side loops, its up/down)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from common import metrics, state
from common.bus import streams
from common.bus.batcher import UNWRITABLE, Batcher, OnWritten
from common.net.ws import Link
from common.ops import alerts
from common.retry import Backoff
from common.runner import Context, health
from common.schemas.feed import FeedStatus, RawFrame

#: Where a feed's unparseable frames go, with the parse error.
RAW_DLQ = "feed.raw:dlq"
#: Raw frames kept in the dead-letter stream at most.
RAW_DLQ_MAXLEN = 10_000
#: The health hash field of a feed's state: ``feed.<feed>`` = up | down.
HEALTH_FIELD_PREFIX = "feed."


async def publish_status(ctx: Context, status: FeedStatus) -> None:
    """Record a feed's up/down on the ``feeds`` stream, the ``state:feeds`` hash and the worker's
    health hash; a feed that was up and is now down is also an alert."""
    previous = await state.get(ctx.redis, state.FEEDS, status.feed, FeedStatus)
    alert = alerts.feed_down(previous, status, ctx.instance, ctx.clock.now_ms())
    pipe = ctx.redis.pipeline(transaction=True)
    state.put(pipe, state.FEEDS, status.feed, status)
    if alert is not None:
        alerts.add(pipe, ctx.writer.fields(alert, key=alert.kind))
    pipe.xadd(streams.FEEDS, ctx.writer.fields(status, key=status.feed), maxlen=10_000, approximate=True)
    pipe.hset(health.key(ctx.instance), f"{HEALTH_FIELD_PREFIX}{status.feed}", status.state)
    pipe.pexpire(health.key(ctx.instance), ctx.settings.runner.health_ttl_s * 1000)
    await pipe.execute()
    up = status.state == "up"
    metrics.FEED_UP.labels(ctx.name, status.feed).set(1 if up else 0)
    if up and status.gap_ms:
        metrics.FEED_GAP_SECONDS.labels(ctx.name, status.feed).inc(status.gap_ms / 1000)
    if not up:
        metrics.FEED_GAPS.labels(ctx.name, status.feed).inc()
    log = ctx.log.info if up else ctx.log.warning
    log("feed_status", feed=status.feed, state=status.state, gap_ms=status.gap_ms, reason=status.reason)


def keep_raw_frame(ctx: Context, batcher: Batcher, feed: str, raw: str | bytes, received_ms: float) -> None:
    """Put the frame as received on ``raw.<feed>`` (when ``recorder.raw_frames`` is on), ahead of
    the events parsed from it, through the feed's batcher (in order, held through Redis outages)."""
    cfg = ctx.settings.recorder
    if not cfg.raw_frames:
        return
    text = raw if isinstance(raw, str) else raw.decode(errors="replace")
    fields = ctx.writer.fields(RawFrame(feed=feed, text=text), key=feed, event_ms=int(received_ms),
                               ingest_ms=received_ms)  # fmt: skip
    batcher.add(streams.raw(feed), fields, cfg.raw_frames_maxlen)


async def dead_letter_frame(ctx: Context, feed: str, raw: str | bytes, error: str, recv_ms: int) -> None:
    metrics.FEED_MALFORMED.labels(ctx.name, feed).inc()
    data = raw.encode() if isinstance(raw, str) else raw
    await ctx.redis.xadd(RAW_DLQ, {b"feed": feed.encode(), b"error": error.encode()[:1000],
                                   b"recv_ms": str(recv_ms).encode(), b"raw": data[:65_536]},
                         maxlen=RAW_DLQ_MAXLEN, approximate=True)  # fmt: skip
    ctx.log.warning("malformed_frame", feed=feed, error=error[:300])


async def dead_letter_frame_or_log(ctx: Context, feed: str, raw: str | bytes, error: str, recv_ms: int) -> None:
    """:func:`dead_letter_frame`, or with Redis away only a log line: market data goes on."""
    try:
        await dead_letter_frame(ctx, feed, raw, error, recv_ms)
    except UNWRITABLE as exc:
        ctx.log.warning("malformed_frame_not_kept", feed=feed, error=error[:300], redis=repr(exc)[:300])


class FeedReport:
    """A feed's up/down as its readers see it: its socket's (the Link's) and its writing's together.

    While the batcher cannot write to Redis the feed is down whatever its socket says:
    ``updown_feed_up`` falls to 0 at once; ``feeds``, ``state:feeds`` and the health hash say
    ``down`` as soon as Redis answers again (before the backlog goes out), and ``up``, with the gap,
    once the backlog is written. Statuses that could not be written are kept, in order, and written
    by the batcher before its next entries.
    """

    def __init__(self, ctx: Context, feed: str) -> None:
        self._ctx = ctx
        self.feed = feed
        self._link: FeedStatus | None = None
        self._failing_since_ms = 0
        self._owed: list[FeedStatus] = []
        self._reporting = asyncio.Lock()
        self.owes = False

    async def on_link(self, status: FeedStatus) -> None:
        """The socket's status (the Link's ``on_status``): said now, unless writing is failing."""
        self._link = status
        if not self._failing_since_ms:
            await self.tell(status)

    async def tell(self, status: FeedStatus) -> None:
        """Say a status now, or (Redis away) before the batcher's next write."""
        self._owe(status)
        try:
            await self.report()
        except UNWRITABLE as exc:
            self._ctx.log.warning("feed_status_held", feed=status.feed, state=status.state, error=repr(exc)[:300])

    def failing(self, reason: str) -> None:
        if self._failing_since_ms:
            return
        now = self._failing_since_ms = self._ctx.clock.now_ms()
        metrics.FEED_UP.labels(self._ctx.name, self.feed).set(0)  # Prometheus does not need Redis
        self._owe(FeedStatus(feed=self.feed, state="down", since_ms=now, reason=reason))

    def resumed(self) -> None:
        since, self._failing_since_ms = self._failing_since_ms, 0
        link = self._link
        if link is None:
            return  # never connected yet: the socket's first status follows
        if link.state != "up":
            self._owe(link)
            return
        now = self._ctx.clock.now_ms()
        self._owe(FeedStatus(feed=self.feed, state="up", since_ms=now, gap_ms=max(0, now - since)))

    async def report(self) -> None:
        async with self._reporting:  # the batcher and the feed's own loops both report: once each, in order
            while self._owed:
                await publish_status(self._ctx, self._owed[0])
                del self._owed[0]
            self.owes = False

    def _owe(self, status: FeedStatus) -> None:
        self._owed.append(status)
        self.owes = True


def feed_batcher(ctx: Context, report: FeedReport, on_written: OnWritten | None = None) -> Batcher:
    """A feed's batcher: it outlives Redis outages within ``bus.publish_backlog_max`` entries and
    tells ``report`` when it cannot write."""
    redis_cfg = ctx.settings.redis
    return Batcher(ctx.writer.lane, on_written, worker=ctx.name, backlog_max=ctx.settings.bus.publish_backlog_max,
                   retry=Backoff(redis_cfg.reconnect_initial_ms, redis_cfg.reconnect_max_ms), watcher=report,
                   log=ctx.log)  # fmt: skip


async def every(ctx: Context, interval_s: float, what: str, body: Callable[[], Awaitable[None]]) -> None:
    """Run ``body`` every ``interval_s`` until stopping; a Redis outage skips turns (said once)."""
    away = False
    while await ctx.sleep(interval_s):
        try:
            await body()
        except UNWRITABLE as exc:
            if not away:
                ctx.log.warning("redis_unavailable", loop=what, error=repr(exc)[:300])
            away = True
            continue
        away = False


async def run_feed(ctx: Context, link: Link, batcher: Batcher, *loops: Awaitable[None]) -> None:
    """A feed's socket, batcher and side loops together until stopping. One of them failing (a bug:
    Redis outages are survived inside each) stops the others and raises, so that the worker restarts
    rather than go on half alive; at a stop the batcher writes what is left."""
    tasks = [asyncio.ensure_future(link.run(ctx.stopping)), asyncio.ensure_future(batcher.run(ctx.stopping))]
    tasks += [asyncio.ensure_future(loop) for loop in loops]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            failure = None if task.cancelled() else task.exception()
            if failure is not None:
                raise failure
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
