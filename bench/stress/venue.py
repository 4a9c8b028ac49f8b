"""The local venue of a stress run: one websocket server that plays the market socket (``/book``)
and the reference-price socket (``/ref``) from the recorded raw frames.

It sends what the player hands it, as the venue sent it; it answers nothing itself (the recorded
frames hold the venue's answers: ``authed``, ``subscribed``, ``NO NEW ASSETS``), except that, like
the venue, the market socket sends a token's frames only once the feed subscribed that token: a
frame waits (up to ``SUBSCRIBE_WAIT_S``) for the feed to follow the window discovery announced,
which at 50x may come later than the frame's due time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from bench.stress.timeline import Frame

#: How long a market-socket frame waits for the feed to subscribe its tokens before it goes anyway.
SUBSCRIBE_WAIT_S = 10.0
#: How long the player waits for both feeds to connect (and the PolyBolt one to authenticate).
CONNECT_WAIT_S = 60.0


@dataclass
class Socket:
    """One feed's connection: the current one, what it subscribed, and what it sent."""

    feed: str
    conn: ServerConnection | None = None
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    subscribed: set[str] = field(default_factory=set)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    connects: int = 0
    received: int = 0
    #: Frames sent before their tokens were subscribed (the wait ran out).
    unsubscribed_sends: int = 0
    #: Frames that could not be sent (no connection, or it closed).
    lost: int = 0

    def on_message(self, text: str) -> None:
        self.received += 1
        if self.feed != "book":
            return
        try:
            msg = json.loads(text)
        except ValueError:
            return  # PING
        if not isinstance(msg, dict):
            return
        ids = [str(t) for t in msg.get("assets_ids") or ()]
        if msg.get("operation") == "unsubscribe":
            self.subscribed.difference_update(ids)
        else:
            self.subscribed.update(ids)
        self.changed.set()

    async def until_subscribed(self, tokens: tuple[str, ...]) -> bool:
        """Wait until every token is subscribed; False when the wait ran out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SUBSCRIBE_WAIT_S
        while not all(t in self.subscribed for t in tokens):
            self.changed.clear()
            left = deadline - loop.time()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        return True


class Venue:
    def __init__(self) -> None:
        self.sockets = {"book": Socket("book"), "ref": Socket("ref")}
        self.port = 0

    async def _handler(self, conn: ServerConnection) -> None:
        path = conn.request.path if conn.request is not None else "/"
        sock = self.sockets.get(path.strip("/").split("/")[0] or "book")
        if sock is None:
            await conn.close(1008, "unknown path")
            return
        sock.conn, sock.connects = conn, sock.connects + 1
        try:
            async for message in conn:
                sock.on_message(message if isinstance(message, str) else message.decode(errors="replace"))
                sock.connected.set()  # connected and said something (its subscription, its auth)
        except ConnectionClosed:
            pass
        finally:
            if sock.conn is conn:
                sock.conn = None
                sock.connected.clear()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[Venue]:
        async with serve(self._handler, "127.0.0.1", 0, max_size=None, compression=None) as server:
            self.port = server.sockets[0].getsockname()[1]
            yield self

    def url(self, feed: str) -> str:
        return f"ws://127.0.0.1:{self.port}/{feed}"

    async def wait_connected(self) -> None:
        """Both feeds connected and said something (their subscription, their auth)."""
        await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in self.sockets.values())), CONNECT_WAIT_S)

    async def wait_connected_feed(self, feed: str) -> None:
        await self.sockets[feed].connected.wait()

    async def send(self, frame: Frame) -> None:
        sock = self.sockets[frame.feed]
        if frame.tokens and not await sock.until_subscribed(frame.tokens):
            sock.unsubscribed_sends += 1
        conn = sock.conn
        if conn is None:
            sock.lost += 1
            return
        try:
            await conn.send(frame.text)
        except ConnectionClosed:
            sock.lost += 1
