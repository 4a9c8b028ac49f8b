"""The pipeline bench's baseline: a bare executor, what any order sender gets on this machine.

It reads the stand-in quoter's intents from the stream on a bus lane (XREAD, no group); for each,
it signs the orders not yet resting with the same ``OrderSigner``, posts them in one
``POST /orders`` through the same CLOB client, then cancels the orders the intent no longer wants,
and nothing else: no core, tracker, budget, heartbeat, reports or runner. For each order posted,
from the intent's tick (the envelope's ``ingest_ms``: when feed-book received the frame) to the
request's bytes going out (``Sent``), as the executor's own ``tick_to_order``; written at SIGTERM
to ``bench:bare-executor`` (``p50_ms``, ``p99_ms``, ``count``). Its credentials are the
executor's: settings read from the environment and the secrets directory.

    python -m bench.bare_executor REDIS_URL STREAM
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from typing import Any

import redis.asyncio as aioredis
import uvloop

from bench.stats import write_percentiles
from common.bus.codec import decode
from common.bus.lane import open_lane
from common.clob.client import AsyncClobClient, PostOrder, Sent
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from common.schemas.intent import Intent
from workers.credentials import api_creds, credentials, order_signer

RESULT_KEY = "bench:bare-executor"


async def bare_session(redis_url: str) -> tuple[Any, AsyncClobClient, aioredis.Redis, Any, asyncio.Event]:
    """What a bare sender starts with: the executor's signer and venue client, Redis with a lane of
    its own, and the event SIGTERM sets."""
    settings = load_settings()
    signer = order_signer(settings)
    client = AsyncClobClient(settings.venue.clob_url, SYSTEM_CLOCK, address=signer.address,
                             creds=api_creds(credentials(settings.wallet)))  # fmt: skip
    await client.sync_time()
    redis = aioredis.Redis.from_url(redis_url)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    return signer, client, redis, open_lane(redis), stop


async def send(redis_url: str, stream: str) -> None:
    signer, client, redis, lane, stop = await bare_session(redis_url)
    spans: list[float] = []
    resting: dict[tuple[str, int], str] = {}  # (token, price) -> order id
    last = "$"
    while not stop.is_set():
        for entry_id, fields in await lane.xread(stream, last, count=100, block_ms=100):
            last = entry_id.decode()
            env = decode(fields) if fields else None
            if env is None or not isinstance(env.body, Intent):
                continue
            # The least an executor does: post the levels that are new, cancel those that are gone.
            wanted = {(o.token_id, o.price_micro): o for o in env.body.orders}
            new = [o for key, o in wanted.items() if key not in resting]
            if new:
                now_ms = int(time.time() * 1000)
                legs = [PostOrder(signer.sign(token_id=o.token_id, side=o.side, price_micro=o.price_micro,
                                              size_micro=o.size_micro, tick_size_micro=env.body.tick_micro,
                                              timestamp_ms=now_ms), "GTC", post_only=True) for o in new]  # fmt: skip
                sent = Sent()
                results = await client.post_orders(legs, sent)
                if sent.at_ms is not None:
                    spans.extend(sent.at_ms - env.ingest_ms for _ in legs)  # one sample per order, as the executor
                resting.update(((o.token_id, o.price_micro), r.order_id) for o, r in zip(new, results, strict=True)
                               if r.accepted)  # fmt: skip
            gone = [key for key in resting if key not in wanted]
            if gone:
                await client.cancel_orders([resting.pop(key) for key in gone])
    await write_percentiles(redis, RESULT_KEY, spans)
    await lane.aclose()
    await redis.aclose()
    await client.aclose()


if __name__ == "__main__":
    uvloop.run(send(*sys.argv[1:3]))
