"""The cancel bench's baseline: a bare canceller in place of the quoter and the executor.

It reads alpha's signals from the stream on a bus lane (XREAD, no group) and keeps a ladder of
``LEVELS`` BUYs a tick apart per outcome, from ``SPREAD_TICKS`` below its fair value down (Up at q,
Down at 1 − q; the quoter's default ladder has five levels too), signed with the same
``OrderSigner`` and sent through the same CLOB client. On each signal it first cancels the orders
priced above the new fair value (exposed) in one ``DELETE /orders``, then posts the new prices;
nothing else: no core, tracker, budget, heartbeat, reports or runner. For each exposed order of a
signal alpha marked (``fair_move``), from the envelope's ``ingest_ms`` (feed-ref's receive stamp
of the frame) to the DELETE's bytes going out (``Sent``), as the executor's ``tick_to_cancel``;
written at SIGTERM to ``bench:bare-canceller`` (``p50_ms``, ``p99_ms``, ``count``; ``live_count``
as it goes). Its credentials are the executor's: settings from the environment and secrets.

    python -m bench.bare_canceller REDIS_URL STREAM
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time

import redis.asyncio as aioredis
import uvloop

from bench.cancel_venue import DOWN, UP
from bench.stats import write_percentiles
from common.bus.codec import decode
from common.bus.lane import open_lane
from common.clob.client import AsyncClobClient, PostOrder, Sent
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from common.schemas.signal import Signal
from workers.credentials import api_creds, credentials, order_signer

RESULT_KEY = "bench:bare-canceller"
TICK_MICRO = 10_000
#: How far below the fair value the best BUY rests, in ticks.
SPREAD_TICKS = 2
#: BUYs per outcome, a tick apart.
LEVELS = 5
SIZE_MICRO = 5_000_000


def bids(q_up_ppm: int) -> dict[tuple[str, int], int]:
    """(token, level) -> the price of our BUY there: from a few ticks under the outcome's fair value down."""
    out = {}
    for token, fair in ((UP, q_up_ppm), (DOWN, 1_000_000 - q_up_ppm)):
        top = fair // TICK_MICRO * TICK_MICRO - SPREAD_TICKS * TICK_MICRO
        for level in range(LEVELS):
            out[token, level] = min(990_000, max(TICK_MICRO, top - level * TICK_MICRO))
    return out


async def cancel_on_moves(redis_url: str, stream: str) -> None:
    settings = load_settings()
    signer = order_signer(settings)
    client = AsyncClobClient(settings.venue.clob_url, SYSTEM_CLOCK, address=signer.address,
                             creds=api_creds(credentials(settings.wallet)))  # fmt: skip
    await client.sync_time()
    redis = aioredis.Redis.from_url(redis_url)
    lane = open_lane(redis)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    spans: list[float] = []
    resting: dict[tuple[str, int], tuple[int, str]] = {}  # (token, level) -> (price, order id)
    last = "$"
    while not stop.is_set():
        for entry_id, fields in await lane.xread(stream, last, count=100, block_ms=100):
            last = entry_id.decode()
            env = decode(fields) if fields else None
            if env is None or not isinstance(env.body, Signal) or not env.body.size_factor_ppm:
                continue
            wanted = bids(env.body.q_up_ppm)
            exposed = [t for t, (price, _) in resting.items() if price > wanted[t]]
            if exposed:
                sent = Sent()
                await client.cancel_orders([resting.pop(t)[1] for t in exposed], sent)
                if env.body.fair_move and sent.at_ms is not None:
                    spans.extend(sent.at_ms - env.ingest_ms for _ in exposed)
                    await redis.hset(RESULT_KEY, "live_count", len(spans))
            new = [t for t in wanted if resting.get(t, (0, ""))[0] != wanted[t]]
            if new:
                stale = [resting.pop(t)[1] for t in new if t in resting]
                if stale:
                    await client.cancel_orders(stale)
                now_ms = int(time.time() * 1000)
                legs = [PostOrder(signer.sign(token_id=t[0], side="BUY", price_micro=wanted[t], size_micro=SIZE_MICRO,
                                              tick_size_micro=TICK_MICRO, timestamp_ms=now_ms), "GTC", post_only=True)
                        for t in new]  # fmt: skip
                results = await client.post_orders(legs)
                resting.update((t, (wanted[t], r.order_id)) for t, r in zip(new, results, strict=True) if r.accepted)
    await write_percentiles(redis, RESULT_KEY, spans)
    await lane.aclose()
    await redis.aclose()
    await client.aclose()


if __name__ == "__main__":
    uvloop.run(cancel_on_moves(*sys.argv[1:3]))
