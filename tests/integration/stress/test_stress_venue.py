"""The stress run's local venue, over real websockets: a market frame waits for its tokens' subscription."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect

from bench.stress.timeline import Frame
from bench.stress.venue import Venue

pytestmark = pytest.mark.integration


async def test_a_market_frame_goes_out_only_once_the_feed_subscribed_its_tokens() -> None:
    venue = Venue()
    async with venue.serving(), connect(venue.url("book")) as feed:
        await feed.send(json.dumps({"assets_ids": ["1"], "type": "market"}))
        await asyncio.wait_for(venue.wait_connected_feed("book"), 10)
        book = json.dumps({"event_type": "book", "asset_id": "2"})

        sending = asyncio.create_task(venue.send(Frame("book", book, ("2",))))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not sending.done()  # token 2 is not subscribed yet

        await feed.send(json.dumps({"operation": "subscribe", "assets_ids": ["2"]}))
        await asyncio.wait_for(sending, 10)

        assert await asyncio.wait_for(feed.recv(), 10) == book
        sock = venue.sockets["book"]
        assert (sock.lost, sock.unsubscribed_sends, sock.connects) == (0, 0, 1)


async def test_a_reference_frame_goes_out_as_recorded_whatever_the_feed_sent() -> None:
    venue = Venue()
    async with venue.serving(), connect(venue.url("ref")) as feed:
        await feed.send('{"op":"auth"}')
        await asyncio.wait_for(venue.wait_connected_feed("ref"), 10)

        await venue.send(Frame("ref", '{"op":"authed","rid":"auth"}', ()))

        assert await asyncio.wait_for(feed.recv(), 10) == '{"op":"authed","rid":"auth"}'
