"""A websocket's outgoing queue, written in order by one task per connection (RTDS, PolyBolt)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from aiohttp import web


async def drain(ws: web.WebSocketResponse, queue: deque[str], wakeup: asyncio.Event,
                on_sent: Callable[[], None] | None = None) -> None:  # fmt: skip
    """Send what is queued whenever woken, until the socket closes."""
    while not ws.closed:
        await wakeup.wait()
        wakeup.clear()
        while queue and not ws.closed:
            await ws.send_str(queue.popleft())
            if on_sent is not None:
                on_sent()
