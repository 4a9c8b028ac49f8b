"""Our trades read back from the venue, so that fills the websocket missed are published anyway.

At start, on every (re)connect of the user socket and every ``user_feed.backfill_interval_s``,
feed-user reads ``GET /data/trades`` (every page) for our trades matched after its cursor, and
publishes our fills in them through the socket's own dedupe (per trade id and status in memory, the
``seen:fill:<fill id>`` marker in Redis): the ``fills`` stream converges on the venue's record
whatever the socket did. The cursor (``CURSOR_KEY``, unix s, the venue's ``after``) is persisted so
that a restart resumes where the last read ended. It trails the newest trade read by
``backfill_lookback_s``, so that a recent trade's later status missed by the socket is read again.
The first start sets it to that moment: older trades are already in the balance the ledger starts
from.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Protocol

from common.bus.batcher import UNWRITABLE
from common.errors import UpdownError
from common.retry import Backoff
from common.runner import Context
from common.schemas.user import Fill, UserTrade
from common.venue.errors import VenueParseError
from workers.feed_user.core import UserFeed
from workers.feed_user.publish import Publisher

#: Redis key of the cursor: our trades matched after this unix second are still to be read.
CURSOR_KEY = "feed-user:trades_after_s"
#: First and largest pause before reading again after a failed read (venue or Redis away).
RETRY_INITIAL_MS, RETRY_MAX_MS = 500, 15_000

#: Writes one fill unless its fill id was written already; True if it wrote it.
PublishFill = Callable[[Fill], Awaitable[bool]]


class TradesReader(Protocol):
    async def sync_time(self) -> int: ...

    async def trades(self, market: str | None = None, *, after_s: int | None = None) -> list[UserTrade]: ...


def next_cursor(after_s: int, trades: Iterable[UserTrade], lookback_s: int) -> int:
    """The cursor after a read: ``lookback_s`` before the newest trade read, never moving back."""
    newest = max((t.match_time_ms // 1000 for t in trades if t.match_time_ms is not None), default=None)
    return after_s if newest is None else max(after_s, newest - lookback_s)


class Backfill:
    """Reads our trades from the venue and publishes the fills nobody published yet."""

    def __init__(self, ctx: Context, client: TradesReader, core: UserFeed, publisher: Publisher,
                 publish_fill: PublishFill, cursor_key: str = CURSOR_KEY) -> None:  # fmt: skip
        self._ctx = ctx
        self._client = client
        self._core = core
        self._publisher = publisher
        self._publish_fill = publish_fill
        #: Where the cursor is kept (one per API key read).
        self._cursor_key = cursor_key
        self._wanted = asyncio.Event()
        #: Fills written by reads (the socket had not), since the start.
        self.published = 0

    def request(self) -> None:
        """Read as soon as possible (the socket reconnected)."""
        self._wanted.set()

    async def run(self) -> None:
        ctx = self._ctx
        backoff = Backoff(RETRY_INITIAL_MS, RETRY_MAX_MS)
        while not ctx.stopping.is_set():
            self._wanted.clear()
            try:
                await self.once()
                backoff.reset()
                wait_s = ctx.settings.user_feed.backfill_interval_s
            except (UpdownError, VenueParseError, *UNWRITABLE) as exc:
                wait_s = backoff.next_delay_s()
                ctx.log.warning("trades_backfill_failed", error=repr(exc)[:300], retry_in_s=round(wait_s, 3))
            await self._publisher.flush()  # a status Redis refused earlier
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(self._wanted, ctx.stopping), timeout=wait_s)

    async def once(self) -> int:
        """One read from the cursor on; the number of fills it wrote (the others were written already)."""
        ctx = self._ctx
        after_s = await self._cursor()
        await self._client.sync_time()
        trades = await self._client.trades(after_s=after_s)
        before = self.published
        async with self._publisher.lock:
            fills = self._core.backfill(trades)
            if not await self._publisher.run([partial(self._write, fill) for fill in fills]):
                return self.published - before  # stopping: the cursor stays, the next start reads these again
        cursor = next_cursor(after_s, trades, ctx.settings.user_feed.backfill_lookback_s)
        if cursor != after_s:
            await ctx.redis.set(self._cursor_key, cursor)
        written = self.published - before
        if written:
            ctx.log.info("trades_backfilled", fills=written, trades=len(trades), after_s=after_s)
        return written

    async def _write(self, fill: Fill) -> None:
        if await self._publish_fill(fill):
            self.published += 1

    async def _cursor(self) -> int:
        redis = self._ctx.redis
        await redis.set(self._cursor_key, self._ctx.clock.now_ms() // 1000 - 1, nx=True)
        return int(await redis.get(self._cursor_key))


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
