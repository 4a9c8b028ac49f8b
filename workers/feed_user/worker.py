"""feed-user: the authenticated user websocket -> our fills on ``fills``, order events on ``orders``.

Each fill is published once per (trade id, order id, status), across reconnects and restarts: a
marker per fill id is set in the same script that writes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from common import metrics
from common.bus import streams
from common.bus.envelope import Envelope
from common.net.ws import Link, LinkConfig, Send
from common.runner import Context, Emit, Input, WorkerSpec
from common.schemas.market import MarketLifecycle, MarketRecord
from common.schemas.user import Fill, OrderEvent
from common.venue.errors import VenueParseError
from workers.credentials import credentials, wait_for_credentials
from workers.feed_user.core import UserFeed
from workers.feeds import dead_letter_frame, publish_status
from workers.markets_view import MarketsView, load_view

FEED = "user"


async def setup(ctx: Context) -> None:
    creds = await wait_for_credentials(ctx)
    if creds is None:
        return  # stopping
    ctx.resources["core"] = UserFeed([creds["apiKey"]])
    ctx.resources["view"] = await load_view(ctx.redis)
    ctx.resources["link"] = Link(
        FEED, LinkConfig(url=ctx.settings.venue.ws_user_url, ping_text="PING", ping_interval_s=10.0),
        on_connect=lambda send: on_connect(ctx, send), on_frame=lambda raw, ms: on_frame(ctx, raw, ms),
        on_status=lambda status: publish_status(ctx, status),
    )  # fmt: skip


def subscribe_frame(creds: dict[str, str], markets: Sequence[str]) -> str:
    # The credentials travel inside the frame on the wire (as the venue requires); never logged.
    return json.dumps({"auth": creds, "markets": list(markets), "assets_ids": [], "type": "user"})


async def on_connect(ctx: Context, send: Send) -> None:
    await send(subscribe_frame(credentials(ctx.settings.wallet), ctx.resources["view"].condition_ids()))


async def on_frame(ctx: Context, raw: str | bytes, received_ms: float) -> None:
    recv_ms = int(received_ms)  # the events' own receive stamp is whole ms; the envelope's is finer
    metrics.FEED_FRAMES.labels(ctx.name, FEED).inc()
    core: UserFeed = ctx.resources["core"]
    try:
        events = core.on_frame(raw, recv_ms)
    except VenueParseError as exc:
        await dead_letter_frame(ctx, FEED, raw, str(exc), recv_ms)
        return
    for event in events:
        venue_ms = getattr(event, "venue_ts_ms", None) or recv_ms
        if isinstance(event, Fill):
            written = await ctx.writer.publish_once(f"seen:fill:{event.fill_id}", streams.FILLS, event,
                                                    key=event.market, event_ms=venue_ms,
                                                    ingest_ms=received_ms)  # fmt: skip
            if written:
                metrics.FEED_EVENTS.labels(ctx.name, FEED, event.TYPE).inc()
                ctx.log.info("fill", fill_id=event.fill_id, side=event.side, price_micro=event.price_micro,
                             size_micro=event.size_micro, role=event.role)  # fmt: skip
        elif isinstance(event, OrderEvent):
            await ctx.publish(streams.ORDERS, event, key=event.market, event_ms=venue_ms, ingest_ms=received_ms)
            metrics.FEED_EVENTS.labels(ctx.name, FEED, event.TYPE).inc()


async def on_markets(ctx: Context, env: Envelope) -> Sequence[Emit]:
    view: MarketsView = ctx.resources["view"]
    link: Link = ctx.resources["link"]
    body = env.body
    if isinstance(body, MarketRecord) and body.condition_id not in view.records:
        view.on_record(body)
        await link.send(json.dumps({"operation": "subscribe", "markets": [body.condition_id],
                                    "auth": credentials(ctx.settings.wallet)}))  # fmt: skip
    elif isinstance(body, MarketLifecycle) and view.on_lifecycle(body):
        await link.send(json.dumps({"operation": "unsubscribe", "markets": [body.condition_id]}))
    return []


async def run(ctx: Context) -> None:
    await ctx.resources["link"].run(ctx.stopping)


SPEC = WorkerSpec(name="feed-user", inputs=(Input(streams.MARKETS),), handle=on_markets, source=run, setup=setup,
                  writes=(streams.FILLS, streams.ORDERS))  # fmt: skip
