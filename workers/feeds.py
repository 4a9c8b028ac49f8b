"""What every feed loop shares: status publishing, raw-frame dead letters, market bookkeeping."""

from __future__ import annotations

from common import metrics, state
from common.bus import streams
from common.runner import Context
from common.schemas.feed import FeedStatus

#: Where a feed's unparseable frames go, with the parse error.
RAW_DLQ = "feed.raw:dlq"
#: Raw frames kept in the dead-letter stream at most.
RAW_DLQ_MAXLEN = 10_000


async def publish_status(ctx: Context, status: FeedStatus) -> None:
    """Record a feed's up/down on the ``feeds`` stream and the ``state:feeds`` hash."""
    pipe = ctx.redis.pipeline(transaction=True)
    state.put(pipe, state.FEEDS, status.feed, status)
    pipe.xadd(streams.FEEDS, ctx.writer.fields(status, key=status.feed), maxlen=10_000, approximate=True)
    await pipe.execute()
    up = status.state == "up"
    metrics.FEED_UP.labels(ctx.name, status.feed).set(1 if up else 0)
    if up and status.gap_ms:
        metrics.FEED_GAP_SECONDS.labels(ctx.name, status.feed).inc(status.gap_ms / 1000)
    if not up:
        metrics.FEED_GAPS.labels(ctx.name, status.feed).inc()
    log = ctx.log.info if up else ctx.log.warning
    log("feed_status", feed=status.feed, state=status.state, gap_ms=status.gap_ms, reason=status.reason)


async def dead_letter_frame(ctx: Context, feed: str, raw: str | bytes, error: str, recv_ms: int) -> None:
    metrics.FEED_MALFORMED.labels(ctx.name, feed).inc()
    data = raw.encode() if isinstance(raw, str) else raw
    await ctx.redis.xadd(RAW_DLQ, {b"feed": feed.encode(), b"error": error.encode()[:1000],
                                   b"recv_ms": str(recv_ms).encode(), b"raw": data[:65_536]},
                         maxlen=RAW_DLQ_MAXLEN, approximate=True)  # fmt: skip
    ctx.log.warning("malformed_frame", feed=feed, error=error[:300])
