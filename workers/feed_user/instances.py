"""feed-user for an executor scaled out: a user channel more per executor instance's API key.

Each executor instance signs with a key of its own (``workers.executor.handover``), and the venue
sends a key's order and trade events on the sockets that key authenticated (an order's ``owner`` is
an API key, reference §3.2). So feed-user reads ``EXEC_INSTANCES_KEY`` every ``INSTANCES_POLL_S``
and, for each new name, derives that key from the wallet and opens a socket of its own (its status
is ``user:<instance>`` in ``state:feeds``, which that executor instance watches) with a trades
backfill of its own (cursor ``feed-user:trades_after_s:<instance>``). Their events go through the
main key's parser, dedupe and writes: one ``orders`` and one ``fills`` stream for every key.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

from common.clob.client import AsyncClobClient
from common.net.ws import Link, LinkConfig, Send
from common.runner import Context
from workers.credentials import EXEC_INSTANCES_KEY, instance_feed, instance_key, ws_credentials
from workers.feed_user.backfill import CURSOR_KEY, Backfill
from workers.feed_user.core import UserFeed
from workers.feed_user.publish import Publisher
from workers.feed_user.writes import publish_fill
from workers.feeds import FeedReport

#: How often feed-user looks for executor instances it does not follow yet.
INSTANCES_POLL_S = 1.0


@dataclass
class KeyFeed:
    """One executor instance's key: its socket, and its trades read back."""

    instance: str
    creds: dict[str, str]
    link: Link
    backfill: Backfill
    client: AsyncClobClient
    task: asyncio.Task[None] | None = None


@dataclass
class InstanceFeeds:
    feeds: dict[str, KeyFeed] = field(default_factory=dict)

    async def send_all(self, frame: dict[str, object]) -> None:
        """A (un)subscribe frame on every instance's socket, with that key's auth."""
        for feed in self.feeds.values():
            await feed.link.send(json.dumps({**frame, "auth": feed.creds}))

    async def run(self, ctx: Context, frames: FrameHandler) -> None:
        """Follow every registered executor instance until the stop; a socket that fails ends it."""
        try:
            while not ctx.stopping.is_set():
                for feed in self.feeds.values():
                    if feed.task is not None and feed.task.done():
                        feed.task.result()  # the runner decides: retry or crash
                raw = await ctx.redis.smembers(EXEC_INSTANCES_KEY)
                for name in sorted(n.decode() if isinstance(n, bytes) else str(n) for n in raw):
                    if name not in self.feeds:
                        try:
                            await self._follow(ctx, frames, name)
                        except Exception as exc:  # the venue may be away: the next look tries again
                            ctx.log.warning("user_channel_not_followed", instance=name, error=repr(exc)[:300])
                await ctx.sleep(INSTANCES_POLL_S)
        finally:
            for feed in self.feeds.values():
                if feed.task is not None:
                    feed.task.cancel()
            await asyncio.gather(*(f.task for f in self.feeds.values() if f.task is not None), return_exceptions=True)
            for feed in self.feeds.values():
                await feed.client.aclose()
            self.feeds.clear()

    async def _follow(self, ctx: Context, frames: FrameHandler, instance: str) -> None:
        creds = await instance_key(ctx.settings, ctx.clock, instance)
        frames.core.add_key(creds.api_key)
        auth = ws_credentials(creds)
        name = instance_feed(instance)
        report = FeedReport(ctx, name)
        link = Link(name, LinkConfig(url=ctx.settings.venue.ws_user_url, ping_text="PING", ping_interval_s=10.0),
                    on_connect=partial(self._on_connect, instance, frames), on_frame=frames.on_frame,
                    on_status=report.on_link)  # fmt: skip
        client = AsyncClobClient(ctx.settings.venue.clob_url, ctx.clock, address=frames.address, creds=creds)
        backfill = Backfill(ctx, client, frames.core, frames.publisher,
                            lambda fill: publish_fill(ctx, fill, ctx.clock.stamp_ms()),
                            cursor_key=f"{CURSOR_KEY}:{instance}")  # fmt: skip
        feed = self.feeds[instance] = KeyFeed(instance, auth, link, backfill, client)
        feed.task = asyncio.create_task(_both(link.run(ctx.stopping), backfill.run()), name=name)
        ctx.log.info("user_channel_followed", instance=instance, feed=name)

    async def _on_connect(self, instance: str, frames: FrameHandler, send: Send) -> None:
        feed = self.feeds[instance]
        await send(json.dumps({"auth": feed.creds, "markets": frames.markets(), "assets_ids": [], "type": "user"}))
        feed.backfill.request()


async def _both(first: Awaitable[None], second: Awaitable[None]) -> None:
    await asyncio.gather(first, second)


@dataclass(frozen=True)
class FrameHandler:
    """What an instance's socket shares with the main one: parser and dedupe, writes, markets."""

    core: UserFeed
    publisher: Publisher
    #: The signer's address (POLY_ADDRESS of the backfill's L2 requests).
    address: str
    on_frame: Callable[[str | bytes, float], Awaitable[None]]
    markets: Callable[[], list[str]]
