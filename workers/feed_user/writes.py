"""feed-user's writes to Redis, one event each (the publisher retries them through Redis errors).

Each may run twice (a reply lost to a timeout): a fill is written once per fill id whatever
happens (a marker set in the same script); an order event or a dead letter may appear twice.
"""

from __future__ import annotations

from common import metrics
from common.bus import streams
from common.runner import Context
from common.schemas.base import Message
from common.schemas.user import Fill, OrderEvent
from common.venue.user_ws import BadElement
from workers.feeds import RAW_DLQ, RAW_DLQ_MAXLEN

FEED = "user"
#: Where a bad element of a user frame goes, by what it would have become.
ELEMENT_DLQ = {"trade": streams.dlq(streams.FILLS), "order": streams.dlq(streams.ORDERS)}


async def publish_fill(ctx: Context, fill: Fill, received_ms: float) -> bool:
    """Write one fill unless its fill id (trade, order, status) was written already; True if written."""
    written = await ctx.writer.publish_once(f"seen:fill:{fill.fill_id}", streams.FILLS, fill, key=fill.market,
                                            event_ms=fill.venue_ts_ms or fill.recv_ts_ms,
                                            ingest_ms=received_ms)  # fmt: skip
    if written:
        metrics.FEED_EVENTS.labels(ctx.name, FEED, fill.TYPE).inc()
        ctx.log.info("fill", fill_id=fill.fill_id, side=fill.side, price_micro=fill.price_micro,
                     size_micro=fill.size_micro, role=fill.role)  # fmt: skip
    return written


async def publish_event(ctx: Context, event: Message, received_ms: float) -> None:
    if isinstance(event, Fill):
        await publish_fill(ctx, event, received_ms)
    elif isinstance(event, OrderEvent):
        await ctx.publish(streams.ORDERS, event, key=event.market, event_ms=event.venue_ts_ms or event.recv_ts_ms,
                          ingest_ms=received_ms)  # fmt: skip
        metrics.FEED_EVENTS.labels(ctx.name, FEED, event.TYPE).inc()


async def dead_letter_element(ctx: Context, bad: BadElement, recv_ms: int) -> None:
    """One bad element of a frame, to the dead letters of the stream it was bound for."""
    stream = ELEMENT_DLQ.get(bad.kind, RAW_DLQ)
    await ctx.redis.xadd(stream, {b"feed": FEED.encode(), b"dlq_reason": bad.error.encode()[:2000],
                                  b"dlq_source": f"{ctx.name}/ws".encode(), b"dlq_ms": str(ctx.clock.now_ms()).encode(),
                                  b"recv_ms": str(recv_ms).encode(), b"raw": bad.raw.encode()[:65_536]},
                         maxlen=RAW_DLQ_MAXLEN, approximate=True)  # fmt: skip
    metrics.FEED_MALFORMED.labels(ctx.name, FEED).inc()
    ctx.log.warning("malformed_element", feed=FEED, kind=bad.kind, dead_letters=stream, error=bad.error[:300])
