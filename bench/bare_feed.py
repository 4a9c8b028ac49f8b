"""The feed-book bench's baseline: a bare forwarder, what any feed handler gets on this machine.

The same websocket client library and the same venue JSON decoder as feed-book, and one XADD per
price change on a bus lane, and nothing else: no book, no envelope or schema, no metrics, no
runner. For each frame, from its arrival to its XADDs answered; written at SIGTERM to
``bench:bare-feed`` (``p50_ms``, ``p99_ms``, ``count``). One frame at a time: a frame is taken
("arrives") only once the previous one is answered, so its wait behind that one is not in its
figure. The bench's sink, reading both forwarders' entries, measures the two alike.

    python -m bench.bare_feed REDIS_URL WS_URL STREAM
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time

import redis.asyncio as aioredis
import uvloop
from websockets.asyncio.client import connect

from bench.stats import write_percentiles
from common.bus.lane import open_lane
from common.venue.convert import loads

RESULT_KEY = "bench:bare-feed"


async def forward(redis_url: str, ws_url: str, stream: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    lane = open_lane(client)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    spans: list[float] = []
    async with connect(ws_url, ping_interval=None, max_size=None) as ws:
        await ws.send(json.dumps({"assets_ids": [], "type": "market", "custom_feature_enabled": True}))
        stopping = asyncio.ensure_future(stop.wait())
        while not stop.is_set():
            receiving = asyncio.ensure_future(ws.recv())
            await asyncio.wait([receiving, stopping], return_when=asyncio.FIRST_COMPLETED)
            if not receiving.done():
                receiving.cancel()
                break
            received = time.perf_counter_ns()
            frame = loads(receiving.result())
            changes = [c for e in (frame if isinstance(frame, list) else [frame]) for c in e.get("price_changes", ())]
            if not changes:
                continue  # the subscription's book snapshots
            await lane.xadd_many([(stream, {b"asset": c["asset_id"], b"price": c["price"], b"size": c["size"]}, 0)
                                  for c in changes])  # fmt: skip
            spans.append((time.perf_counter_ns() - received) / 1e6)
    await write_percentiles(client, RESULT_KEY, spans)
    await client.aclose()


if __name__ == "__main__":
    uvloop.run(forward(*sys.argv[1:4]))
