"""The websocket link against a real local websocket server that misbehaves on purpose."""

from __future__ import annotations

import asyncio
import random

import pytest
from websockets.asyncio.server import ServerConnection, serve

from common.net.ws import Link, LinkConfig
from common.schemas.feed import FeedStatus

pytestmark = pytest.mark.integration


class Venue:
    """Answers PING with PONG; per connection: sends two frames, then misbehaves as told."""

    def __init__(self, behaviours: list[str]) -> None:
        self.behaviours = behaviours
        self.subscribes: list[str] = []
        self.pings = 0

    async def handler(self, ws: ServerConnection) -> None:
        behaviour = self.behaviours.pop(0) if self.behaviours else "stay"
        self.subscribes.append(str(await ws.recv()))
        await ws.send('{"n": 1}')
        await ws.send('[{"n": 2}]')
        if behaviour == "drop":
            await ws.close(code=1011, reason="slow consumer")
            return
        async for message in ws:
            if message == "PING":
                self.pings += 1
                if behaviour != "silent":
                    await ws.send("PONG")


async def run_link(venue: Venue, until: int, **cfg: float) -> tuple[list[str | bytes], list[FeedStatus], Link]:
    frames: list[str | bytes] = []
    statuses: list[FeedStatus] = []
    stopping = asyncio.Event()
    async with serve(venue.handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]  # type: ignore[index]

        async def on_connect(send):  # type: ignore[no-untyped-def]
            await send('{"type": "market", "assets_ids": ["1"]}')

        async def on_frame(frame: str | bytes, recv_ms: int) -> None:
            frames.append(frame)
            if len([f for f in frames if f != "PONG"]) >= until:
                stopping.set()

        async def on_status(status: FeedStatus) -> None:
            statuses.append(status)

        link = Link("book", LinkConfig(url=f"ws://127.0.0.1:{port}", **cfg), on_connect=on_connect,  # type: ignore[arg-type]
                    on_frame=on_frame, on_status=on_status, rng=random.Random(1))  # fmt: skip
        await asyncio.wait_for(link.run(stopping), timeout=20)
    return frames, statuses, link


async def test_a_dropped_connection_is_reconnected_and_resubscribed_with_the_gap_reported() -> None:
    venue = Venue(["drop", "stay"])

    frames, statuses, link = await run_link(venue, until=4, backoff_initial_ms=50, backoff_max_ms=100)

    assert [f for f in frames if f != "PONG"] == ['{"n": 1}', '[{"n": 2}]'] * 2
    assert len(venue.subscribes) == 2
    assert [s.state for s in statuses] == ["up", "down", "up"]
    assert "closed" in statuses[1].reason
    assert statuses[2].gap_ms >= 0 and link.connects == 2


async def test_a_silent_connection_is_declared_dead_by_the_idle_timeout_even_though_it_stays_open() -> None:
    venue = Venue(["silent", "stay"])

    _, statuses, _ = await run_link(venue, until=4, ping_interval_s=0.1, idle_timeout_s=0.5,
                                    backoff_initial_ms=50, backoff_max_ms=100)  # fmt: skip

    assert [s.state for s in statuses] == ["up", "down", "up"]
    assert statuses[1].reason.startswith("idle")
    assert venue.pings >= 2


async def test_pongs_keep_a_quiet_connection_alive() -> None:
    venue = Venue(["stay"])
    frames: list[str | bytes] = []

    async def stop_after_pongs() -> None:
        while frames.count("PONG") < 5:
            await asyncio.sleep(0.05)

    stopping = asyncio.Event()
    async with serve(venue.handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]  # type: ignore[index]
        statuses: list[FeedStatus] = []

        async def on_frame(frame: str | bytes, recv_ms: int) -> None:
            frames.append(frame)

        async def on_status(s: FeedStatus) -> None:
            statuses.append(s)

        async def on_connect(send):  # type: ignore[no-untyped-def]
            await send("{}")

        link = Link("book", LinkConfig(url=f"ws://127.0.0.1:{port}", ping_interval_s=0.05, idle_timeout_s=0.3),
                    on_connect=on_connect, on_frame=on_frame, on_status=on_status)  # fmt: skip
        task = asyncio.create_task(link.run(stopping))
        await asyncio.wait_for(stop_after_pongs(), timeout=10)
        stopping.set()
        await task

    assert [s.state for s in statuses] == ["up"]
