"""feed-book: the market websocket -> normalized book events on ``book.<series>``.

Subscribes to the tokens of every window discovery publishes and drops them when a window is
resolved; rebuilds books from fresh snapshots after every reconnect; keeps the latest full book
of each token in ``state:book:<token>``. Run as several instances (``runner.instances``), each
follows the series it owns only: it subscribes a series' tokens when it gains the series (the
venue answers with fresh snapshots) and drops them when it loses it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from common import metrics, state
from common.bus import streams
from common.bus.batcher import Batcher
from common.bus.envelope import Envelope
from common.latency import Spans, histogram
from common.net.ws import Link, LinkConfig, Send
from common.runner import Context, Emit, Input, WorkerSpec
from common.schemas.market import MarketLifecycle, MarketRecord
from common.venue.errors import VenueParseError
from workers.feed_book.core import BookKeeper
from workers.feeds import FeedReport, dead_letter_frame_or_log, every, feed_batcher, keep_raw_frame, run_feed
from workers.markets_view import MarketsView, load_view

FEED = "book"
#: How often the latest full books are written to their state keys.
SNAPSHOT_INTERVAL_S = 0.5
#: From a frame's arrival to its events being on their stream (``state:latency``, Prometheus).
SPAN = "book_receive_to_stream"
_HISTOGRAMS = {SPAN: histogram(SPAN, "market websocket frame received -> its events on book.<series>, ms")}


async def setup(ctx: Context) -> None:
    ctx.resources["keeper"] = BookKeeper()
    ctx.resources["view"] = await load_view(ctx.redis)
    spans = ctx.resources["spans"] = Spans(ctx.name, _HISTOGRAMS)

    def written(received_ns: list[int], at_ns: int) -> None:
        for r in received_ns:
            spans.observe(SPAN, (at_ns - r) / 1e6)

    report = ctx.resources["report"] = FeedReport(ctx, FEED)
    ctx.resources["batcher"] = feed_batcher(ctx, report, on_written=written)
    ctx.resources["meters"] = _Meters(ctx.name)
    ctx.resources["link"] = Link(
        FEED, LinkConfig(url=ctx.settings.venue.ws_market_url, ping_text="PING", ping_interval_s=10.0),
        on_connect=lambda send: on_connect(ctx, send), on_frame=lambda raw, ms: on_frame(ctx, raw, ms),
        on_status=report.on_link,
    )  # fmt: skip


def subscribe_frame(tokens: Sequence[str], initial: bool) -> str:
    if initial:
        return json.dumps({"assets_ids": list(tokens), "type": "market", "custom_feature_enabled": True})
    return json.dumps({"operation": "subscribe", "assets_ids": list(tokens), "custom_feature_enabled": True})


def owned_tokens(ctx: Context, series: Sequence[str] | None = None) -> list[str]:
    """The tokens of the series this instance owns (of ``series`` only, when given)."""
    view: MarketsView = ctx.resources["view"]
    return [t for t, s in view.series_of_token.items() if ctx.owns(s) and (series is None or s in series)]


async def on_connect(ctx: Context, send: Send) -> None:
    keeper: BookKeeper = ctx.resources["keeper"]
    keeper.resync()
    await send(subscribe_frame(owned_tokens(ctx), initial=True))


async def on_series(ctx: Context, gained: Sequence[str], lost: Sequence[str]) -> None:
    """Follow the series this instance gained, drop those it lost (a scaled feed-book only)."""
    link: Link = ctx.resources["link"]
    view: MarketsView = ctx.resources["view"]
    keeper: BookKeeper = ctx.resources["keeper"]
    gone = [t for t, s in view.series_of_token.items() if s in lost]
    if gone:
        await link.send(json.dumps({"operation": "unsubscribe", "assets_ids": gone}))
        keeper.forget(gone)
    new = owned_tokens(ctx, gained)
    if new:
        keeper.resync(new)
        await link.send(subscribe_frame(new, initial=False))


class _Meters:
    """The per-frame metrics, bound to their labels once (a labels() lookup per event adds up)."""

    def __init__(self, worker: str) -> None:
        self.frames = metrics.FEED_FRAMES.labels(worker, FEED)
        self.lag = metrics.FEED_LAG_MS.labels(worker, FEED)
        self._events = metrics.FEED_EVENTS
        self._worker = worker
        self.events: dict[str, object] = {}

    def event(self, type_name: str) -> None:
        counter = self.events.get(type_name)
        if counter is None:
            counter = self.events[type_name] = self._events.labels(self._worker, FEED, type_name)
        counter.inc()  # type: ignore[attr-defined]


async def on_frame(ctx: Context, raw: str | bytes, received_ms: float) -> None:
    received_ns = time.perf_counter_ns()
    recv_ms = int(received_ms)  # the events' own receive stamp is whole ms; the envelope's is finer
    meters: _Meters = ctx.resources["meters"]
    meters.frames.inc()
    keeper: BookKeeper = ctx.resources["keeper"]
    batcher: Batcher = ctx.resources["batcher"]
    keep_raw_frame(ctx, batcher, FEED, raw, received_ms)
    try:
        events = keeper.on_frame(raw, recv_ms)
    except VenueParseError as exc:
        await dead_letter_frame_or_log(ctx, FEED, raw, str(exc), recv_ms)
        return
    view: MarketsView = ctx.resources["view"]
    maxlen = ctx.settings.bus.market_data_maxlen
    stamp = received_ns  # one latency sample per frame: reported once all of its events are written
    for event in events:
        asset = getattr(event, "asset_id", None)
        series = view.series_of_token.get(asset or "")
        if series is None or not ctx.owns(series):
            continue  # a token we no longer follow, or of a series another instance owns now
        venue_ms = getattr(event, "venue_ts_ms", recv_ms)
        batcher.add(streams.book(series), ctx.writer.fields(event, key=asset or "", event_ms=venue_ms,
                                                            ingest_ms=received_ms), maxlen, stamp)  # fmt: skip
        stamp = 0
        meters.event(event.TYPE)
        meters.lag.observe(max(0, recv_ms - venue_ms))
    if keeper.needs_resync:
        tokens = sorted(keeper.needs_resync)
        keeper.needs_resync.clear()
        ctx.log.warning("book_resync", tokens=len(tokens))
        link: Link = ctx.resources["link"]
        await link.send(json.dumps({"operation": "unsubscribe", "assets_ids": tokens}))
        keeper.resync(tokens)
        await link.send(subscribe_frame(tokens, initial=False))


async def on_markets(ctx: Context, env: Envelope) -> Sequence[Emit]:
    """Follow discovery: subscribe new windows' tokens, drop resolved ones."""
    view: MarketsView = ctx.resources["view"]
    link: Link = ctx.resources["link"]
    body = env.body
    if isinstance(body, MarketRecord):
        new = [t for t in view.on_record(body) if ctx.owns(view.series_of_token[t])]
        if new:
            await link.send(subscribe_frame(new, initial=False))
    elif isinstance(body, MarketLifecycle):
        gone = view.on_lifecycle(body)
        if gone:
            await link.send(json.dumps({"operation": "unsubscribe", "assets_ids": gone}))
            ctx.resources["keeper"].forget(gone)
    return []


async def run(ctx: Context) -> None:
    snapshots = every(ctx, SNAPSHOT_INTERVAL_S, "snapshots", lambda: write_snapshots(ctx))
    await run_feed(ctx, ctx.resources["link"], ctx.resources["batcher"], snapshots)


async def write_snapshots(ctx: Context) -> None:
    keeper: BookKeeper = ctx.resources["keeper"]
    pipe = ctx.redis.pipeline(transaction=False)
    for token in owned_tokens(ctx):
        snap = keeper.snapshot(token)
        if snap is not None:
            pipe.set(state.book_key(token), snap.model_dump_json(), px=60_000)
    await pipe.execute()
    await ctx.resources["spans"].write(ctx.redis)


SPEC = WorkerSpec(name="feed-book", inputs=(Input(streams.MARKETS),), handle=on_markets, source=run, setup=setup,
                  on_series=on_series)  # fmt: skip
