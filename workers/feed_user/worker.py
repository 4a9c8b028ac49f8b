"""feed-user: the authenticated user websocket -> our fills on ``fills``, order events on ``orders``.

Each fill is published once per (trade id, order id, status), across reconnects and restarts: a
marker per fill id is set in the same script that writes it. What the socket missed (it was down,
or feed-user was) is read back from the venue's trades (``backfill``) through the same dedupe. A
frame is taken element by element: a bad element goes to the dead letters, its neighbours through.
A Redis error while publishing keeps the frame's writes and retries them, the feed reported down
meanwhile (``publish``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from eth_account import Account

from common import metrics
from common.bus import streams
from common.bus.envelope import Envelope
from common.clob.client import AsyncClobClient
from common.net.ws import Link, LinkConfig, Send
from common.runner import Context, Emit, Input, WorkerSpec
from common.schemas.market import MarketLifecycle, MarketRecord
from common.venue.errors import VenueParseError
from workers.credentials import api_creds, credentials, wait_for_credentials
from workers.feed_user.backfill import Backfill
from workers.feed_user.core import UserFeed
from workers.feed_user.instances import FrameHandler, InstanceFeeds
from workers.feed_user.publish import Publisher, Step
from workers.feed_user.writes import FEED, dead_letter_element, publish_event, publish_fill
from workers.feeds import FeedReport, dead_letter_frame
from workers.markets_view import MarketsView, load_view


@dataclass
class UserFeedState:
    core: UserFeed
    view: MarketsView
    link: Link
    publisher: Publisher
    #: None without a wallet address to sign the venue's REST requests with (the socket alone).
    backfill: Backfill | None
    client: AsyncClobClient | None
    #: The user channels of an executor scaled out (a key per instance).
    instances: InstanceFeeds = field(default_factory=InstanceFeeds)


def feed(ctx: Context) -> UserFeedState:
    state: UserFeedState = ctx.resources["feed"]
    return state


async def setup(ctx: Context) -> None:
    creds = await wait_for_credentials(ctx)
    if creds is None:
        return  # stopping
    core = UserFeed([creds["apiKey"]])
    report = FeedReport(ctx, FEED)
    publisher = Publisher(report, ctx.sleep, ctx.settings.redis)
    link = Link(
        FEED, LinkConfig(url=ctx.settings.venue.ws_user_url, ping_text="PING", ping_interval_s=10.0),
        on_connect=partial(on_connect, ctx), on_frame=partial(on_frame, ctx), on_status=report.on_link,
    )  # fmt: skip
    client = venue_client(ctx, creds)
    backfill = None
    if client is not None:
        backfill = Backfill(ctx, client, core, publisher, lambda fill: publish_fill(ctx, fill, ctx.clock.stamp_ms()))
    ctx.resources["feed"] = UserFeedState(core, await load_view(ctx.redis), link, publisher, backfill, client)


def venue_client(ctx: Context, creds: dict[str, str]) -> AsyncClobClient | None:
    key = ctx.settings.wallet.private_key
    if key is None:
        ctx.log.warning("no_wallet_address", reason="reading our trades back needs the signer address; socket only")
        return None
    # Only the public address is kept (POLY_ADDRESS of L2 requests); the key is not.
    address = Account.from_key(key.get_secret_value()).address
    return AsyncClobClient(ctx.settings.venue.clob_url, ctx.clock, address=address, creds=api_creds(creds))


def subscribe_frame(creds: dict[str, str], markets: Sequence[str]) -> str:
    # The credentials travel inside the frame on the wire (as the venue requires); never logged.
    return json.dumps({"auth": creds, "markets": list(markets), "assets_ids": [], "type": "user"})


async def on_connect(ctx: Context, send: Send) -> None:
    state = feed(ctx)
    await send(subscribe_frame(credentials(ctx.settings.wallet), state.view.condition_ids()))
    if state.backfill is not None:
        state.backfill.request()  # what matched while the socket was down


async def on_frame(ctx: Context, raw: str | bytes, received_ms: float) -> None:
    recv_ms = int(received_ms)  # the events' own receive stamp is whole ms; the envelope's is finer
    metrics.FEED_FRAMES.labels(ctx.name, FEED).inc()
    state = feed(ctx)
    async with state.publisher.lock:
        steps: list[Step]
        try:
            events, bad = state.core.read(raw, recv_ms)
        except VenueParseError as exc:
            steps = [partial(dead_letter_frame, ctx, FEED, raw, str(exc), recv_ms)]
        else:
            steps = [partial(publish_event, ctx, event, received_ms) for event in events]
            steps += [partial(dead_letter_element, ctx, element, recv_ms) for element in bad]
        await state.publisher.run(steps)


async def on_markets(ctx: Context, env: Envelope) -> Sequence[Emit]:
    state = feed(ctx)
    body = env.body
    if isinstance(body, MarketRecord) and body.condition_id not in state.view.records:
        state.view.on_record(body)
        await state.link.send(json.dumps({"operation": "subscribe", "markets": [body.condition_id],
                                          "auth": credentials(ctx.settings.wallet)}))  # fmt: skip
        await state.instances.send_all({"operation": "subscribe", "markets": [body.condition_id]})
    elif isinstance(body, MarketLifecycle) and state.view.on_lifecycle(body):
        await state.link.send(json.dumps({"operation": "unsubscribe", "markets": [body.condition_id]}))
        await state.instances.send_all({"operation": "unsubscribe", "markets": [body.condition_id]})
    return []


async def run(ctx: Context) -> None:
    state = feed(ctx)
    try:
        async with asyncio.TaskGroup() as loops:
            loops.create_task(state.link.run(ctx.stopping))
            if state.backfill is not None and state.client is not None:
                loops.create_task(state.backfill.run())
                frames = FrameHandler(state.core, state.publisher, state.client.address, partial(on_frame, ctx),
                                      state.view.condition_ids)  # fmt: skip
                loops.create_task(state.instances.run(ctx, frames))
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None  # the runner's retry-or-crash decision, on the cause itself


async def teardown(ctx: Context) -> None:
    state: UserFeedState | None = ctx.resources.get("feed")
    if state is not None and state.client is not None:
        await state.client.aclose()


SPEC = WorkerSpec(name="feed-user", inputs=(Input(streams.MARKETS),), handle=on_markets, source=run, setup=setup,
                  teardown=teardown, writes=(streams.FILLS, streams.ORDERS))  # fmt: skip
