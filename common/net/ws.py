"""A websocket link that never gives up: idle timeout on the connection itself, text pings,
reconnect with exponential backoff and jitter, resubscribe, and up/down status with the gap.

The link knows nothing of the venue's messages: the feed gives it the frames to send on connect
(subscriptions) and a callback for every frame received, stamped with its receive time.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from common.clock import SYSTEM_CLOCK, Clock
from common.retry import Backoff
from common.schemas.feed import FeedStatus


@dataclass(frozen=True)
class LinkConfig:
    url: str
    #: Text frame sent as an application-level ping (the venue wants "PING"; RTDS "ping").
    ping_text: str | None = "PING"
    ping_interval_s: float = 10.0
    #: No frame at all (pongs included) for this long means the connection is dead.
    idle_timeout_s: float = 30.0
    connect_timeout_s: float = 10.0
    backoff_initial_ms: int = 250
    backoff_max_ms: int = 15_000
    max_frame_bytes: int = 16 * 1024 * 1024
    #: Offer permessage-deflate. Off: inflating every small frame costs more CPU than it saves.
    compression: bool = False


#: Frames handled back to back before the receive loop yields to the other tasks.
YIELD_EVERY_FRAMES = 64

Send = Callable[[str], Awaitable[bool]]
OnConnect = Callable[[Send], Awaitable[None]]
#: Called with each frame and when it was received (wall-clock ms, microsecond decimals).
OnFrame = Callable[[str | bytes, float], Awaitable[None]]
OnStatus = Callable[[FeedStatus], Awaitable[None]]
#: Seconds to wait after a connection ended with this close code (None: the default backoff).
RetryDelay = Callable[[int | None], float | None]


class IdleTimeout(Exception):
    pass


class Link:
    def __init__(
        self,
        feed: str,
        cfg: LinkConfig,
        *,
        on_connect: OnConnect,
        on_frame: OnFrame,
        on_status: OnStatus,
        clock: Clock = SYSTEM_CLOCK,
        rng: random.Random | None = None,
        retry_delay: RetryDelay | None = None,
    ) -> None:
        self.feed = feed
        self._cfg = cfg
        self._on_connect = on_connect
        self._on_frame = on_frame
        self._on_status = on_status
        self._clock = clock
        self._backoff = Backoff(cfg.backoff_initial_ms, cfg.backoff_max_ms, rng)
        self._ws: ClientConnection | None = None
        self._last_frame_s = 0.0
        self._idle = False
        self._restart_reason: str | None = None
        self._retry_delay = retry_delay
        #: The close code of the last connection that ended (None: no close frame, or never connected).
        self.close_code: int | None = None
        self.connects = 0
        self.frames = 0

    async def send(self, text: str) -> bool:
        """Send on the current connection; False when there is none (it resubscribes on connect)."""
        ws = self._ws
        if ws is None:
            return False
        try:
            await ws.send(text)
        except WebSocketException:
            return False
        return True

    async def run(self, stopping: asyncio.Event) -> None:
        down_since = self._clock.now_ms()
        reported_down = False
        while not stopping.is_set():
            connects = self.connects
            reason = await self._session(stopping, down_since)
            if stopping.is_set():
                return
            if self.connects != connects:  # it was up: the outage starts now
                down_since = self._clock.now_ms()
                reported_down = False
            if not reported_down:  # once per outage, not once per failed attempt
                reported_down = True
                await self._on_status(FeedStatus(feed=self.feed, state="down", since_ms=down_since, reason=reason,
                                                 attempts=self._backoff.attempt))  # fmt: skip
            delay = self._backoff.next_delay_s()
            special = self._retry_delay(self.close_code) if self._retry_delay is not None else None
            delay = delay if special is None else special
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=delay)

    async def restart(self, reason: str) -> None:
        """Drop the current connection now (the peer's stream can no longer be trusted): the link
        reports down with ``reason`` and reconnects after its backoff, resubscribing."""
        ws = self._ws
        if ws is None:
            return
        self._restart_reason = reason
        ws.transport.abort()

    async def _session(self, stopping: asyncio.Event, down_since: int) -> str:
        cfg = self._cfg
        self._restart_reason = None
        self.close_code = None
        try:
            async with connect(cfg.url, ping_interval=None, open_timeout=cfg.connect_timeout_s,
                               max_size=cfg.max_frame_bytes, close_timeout=2,
                               compression="deflate" if cfg.compression else None) as ws:  # fmt: skip
                self._ws = ws
                self.connects += 1
                await self._on_connect(self.send)
                now = self._clock.now_ms()
                await self._on_status(FeedStatus(feed=self.feed, state="up", since_ms=now,
                                                 gap_ms=now - down_since if self.connects > 1 else 0))  # fmt: skip
                self._backoff.reset()
                return await self._pump(ws, stopping)
        except (OSError, TimeoutError, WebSocketException) as exc:
            if self._restart_reason is not None:
                return self._restart_reason
            return f"connect failed: {exc!r}"[:300] if self._ws is None else f"closed: {exc!r}"[:300]
        finally:
            self._ws = None

    async def _pump(self, ws: ClientConnection, stopping: asyncio.Event) -> str:
        """Receive until the socket closes, goes idle, or the worker stops.

        The receive loop itself is a plain ``async for`` (a task or a timer per frame would cost
        more than parsing it); a watchdog beside it closes the socket when nothing, not even a
        pong, has arrived for ``idle_timeout_s``, or when the worker stops.
        """
        self._last_frame_s = time.monotonic()
        watchdog = asyncio.create_task(self._watch(ws, stopping))
        pinger = asyncio.create_task(self._ping(ws))
        try:
            async for frame in ws:
                self._last_frame_s = time.monotonic()
                self.frames += 1
                await self._on_frame(frame, self._clock.stamp_ms())
                if self.frames % YIELD_EVERY_FRAMES == 0:
                    # Buffered frames never suspend the loop: let the publisher and health run.
                    await asyncio.sleep(0)
            return "stopping" if stopping.is_set() else self._closed_reason(ws)
        except ConnectionClosed:
            return "stopping" if stopping.is_set() else self._closed_reason(ws)
        finally:
            watchdog.cancel()
            pinger.cancel()

    def _closed_reason(self, ws: ClientConnection) -> str:
        self.close_code = ws.close_code
        if self._restart_reason is not None:
            return self._restart_reason
        if self._idle:
            return f"idle {self._cfg.idle_timeout_s:.0f}s"
        return f"closed {ws.close_code} {ws.close_reason}".strip()

    async def _watch(self, ws: ClientConnection, stopping: asyncio.Event) -> None:
        self._idle = False
        step = min(1.0, self._cfg.idle_timeout_s / 4)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=step)
            if stopping.is_set():
                await ws.close()
                return
            if time.monotonic() - self._last_frame_s > self._cfg.idle_timeout_s:
                self._idle = True
                ws.transport.abort()  # a silent peer may never answer a close handshake
                return

    async def _ping(self, ws: ClientConnection) -> None:
        text = self._cfg.ping_text
        if not text:
            return
        while True:
            await asyncio.sleep(self._cfg.ping_interval_s)
            try:
                await ws.send(text)
            except WebSocketException:
                return
