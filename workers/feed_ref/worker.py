"""feed-ref: reference prices -> ``ref.<asset>``, with staleness per source. On PolyBolt (the
default, ``feed_ref.transport``): the Pyth spot and the Chainlink 60-second TWAP (the settlement
source); on RTDS (the fallback): the Binance lead, the Chainlink spot oracle and the TWAP.

The transport is behind ``RefTransport``; this loop sends what it asks (auth, subscriptions),
drops the connection when it finds a hole in the stream (reported as the feed going down, with a
metric and a log line) and waits after each close code as it says.
"""

from __future__ import annotations

from common import metrics
from common.bus import streams
from common.bus.batcher import Batcher
from common.net.ws import Link, LinkConfig, Send
from common.runner import Context, WorkerSpec
from common.schemas.feed import NEVER_DELIVERED, FeedStatus
from common.series import parse_series
from common.venue.errors import VenueParseError
from workers.credentials import wait_for_credentials
from workers.feed_ref.core import RefTransport, RtdsTransport, SourceStatus, Staleness
from workers.feed_ref.polybolt import PolyBoltTransport
from workers.feeds import FeedReport, dead_letter_frame_or_log, every, feed_batcher, keep_raw_frame, run_feed

FEED = "ref"
#: How often per-source staleness is checked.
STALENESS_CHECK_S = 0.5


def assets(ctx: Context) -> list[str]:
    return sorted({parse_series(s).asset for s in ctx.settings.series})


def make_transport(ctx: Context) -> RefTransport:
    cfg, venue = ctx.settings.feed_ref, ctx.settings.venue
    if cfg.transport == "polybolt":
        return PolyBoltTransport(venue.polybolt_url, assets(ctx), cfg)
    return RtdsTransport(assets(ctx), venue.rtds_url)


async def setup(ctx: Context) -> None:
    transport = make_transport(ctx)
    report = ctx.resources["report"] = FeedReport(ctx, FEED)
    ctx.resources["batcher"] = feed_batcher(ctx, report)
    ctx.resources["transport"] = transport
    ctx.resources["staleness"] = Staleness(ctx.clock, [(s, a) for s in transport.sources for a in assets(ctx)])
    ctx.resources["link"] = Link(
        FEED, LinkConfig(url=transport.url, ping_text=transport.ping_text,
                         ping_interval_s=transport.ping_interval_ms / 1000,
                         idle_timeout_s=ctx.settings.feed_ref.idle_timeout_s),
        on_connect=lambda send: on_connect(ctx, send), on_frame=lambda raw, ms: on_frame(ctx, raw, ms),
        on_status=report.on_link, retry_delay=transport.retry_delay_s,
    )  # fmt: skip
    ctx.log.info("ref_transport", transport=transport.name, url=transport.url)


async def on_connect(ctx: Context, send: Send) -> None:
    for frame in ctx.resources["transport"].subscribe_frames():
        await send(frame)


async def on_frame(ctx: Context, raw: str | bytes, received_ms: float) -> None:
    recv_ms = int(received_ms)  # the ticks' own receive stamp is whole ms; the envelope's is finer
    metrics.FEED_FRAMES.labels(ctx.name, FEED).inc()
    keep_raw_frame(ctx, ctx.resources["batcher"], FEED, raw, received_ms)
    try:
        ticks = ctx.resources["transport"].parse(raw, recv_ms)
    except VenueParseError as exc:
        await dead_letter_frame_or_log(ctx, FEED, raw, str(exc), recv_ms)
        return
    await answer(ctx)
    staleness: Staleness = ctx.resources["staleness"]
    batcher: Batcher = ctx.resources["batcher"]
    for tick in ticks:
        staleness.observe(tick)
        fields = ctx.writer.fields(tick, key=tick.source, event_ms=tick.venue_ts_ms, ingest_ms=received_ms)
        batcher.add(streams.ref(tick.asset), fields, ctx.settings.bus.market_data_maxlen)
        metrics.FEED_EVENTS.labels(ctx.name, f"{FEED}.{tick.source}", tick.TYPE).inc()
        metrics.FEED_LAG_MS.labels(ctx.name, f"{FEED}.{tick.source}").observe(max(0, recv_ms - tick.venue_ts_ms))


async def answer(ctx: Context) -> None:
    """Send what the transport asks for; drop the connection when it found a hole in the stream."""
    transport: RefTransport = ctx.resources["transport"]
    link: Link = ctx.resources["link"]
    for frame in transport.take_replies():
        await link.send(frame)
    reason = transport.take_restart()
    if reason is not None:
        ctx.log.warning("ref_resync", transport=transport.name, reason=reason)
        metrics.FEED_RESYNCS.labels(ctx.name, FEED).inc()
        await link.restart(reason)  # reported down with the reason; reconnects and resnapshots


def as_feed_status(status: SourceStatus, now_ms: int) -> FeedStatus:
    feed = f"ref.{status.source}.{status.asset}"
    if status.up:
        return FeedStatus(feed=feed, state="up", since_ms=now_ms)
    reason = "stale" if status.last_recv_ms is not None else NEVER_DELIVERED
    return FeedStatus(feed=feed, state="down", since_ms=status.stale_since_ms or now_ms, reason=reason)


async def watch_staleness(ctx: Context) -> None:
    staleness: Staleness = ctx.resources["staleness"]
    report: FeedReport = ctx.resources["report"]
    for change in staleness.changes():
        await report.tell(as_feed_status(change, ctx.clock.now_ms()))  # held through a Redis outage


async def run(ctx: Context) -> None:
    transport = ctx.resources["transport"]
    if isinstance(transport, PolyBoltTransport):
        transport.credentials = await wait_for_credentials(ctx)
        if transport.credentials is None:
            return  # asked to stop while waiting
    watcher = every(ctx, STALENESS_CHECK_S, "staleness", lambda: watch_staleness(ctx))
    await run_feed(ctx, ctx.resources["link"], ctx.resources["batcher"], watcher)


SPEC = WorkerSpec(name="feed-ref", source=run, setup=setup)
