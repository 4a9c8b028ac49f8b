"""The cancel bench's baseline: a bare canceller in place of the quoter and the executor.

It reads alpha's signals from the stream on a bus lane (XREAD, no group) and keeps a ladder of
``LEVELS`` BUYs a tick apart per outcome, from ``SPREAD_TICKS`` below its fair value down (Up at q,
Down at 1 − q; the quoter's default ladder has five levels too), signed with the same
``OrderSigner`` and sent through the same CLOB client. On each signal it first cancels the orders
priced above the new fair value (exposed) in one ``DELETE /orders``, then posts the new prices;
each request goes out as a task of its own, as the executor's do, and the loop never waits for an
answer; nothing else: no core, tracker, budget, heartbeat, reports or runner. For each exposed order of a
signal alpha marked (``fair_move``), from the envelope's ``ingest_ms`` (feed-ref's receive stamp
of the frame) to the DELETE's bytes going out (``Sent``), as the executor's ``tick_to_cancel``;
written at SIGTERM to ``bench:bare-canceller`` (``p50_ms``, ``p99_ms``, ``count``; ``live_count``
as it goes). Its credentials are the executor's: settings from the environment and secrets.

    python -m bench.bare_canceller REDIS_URL STREAM
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Coroutine
from typing import Any

import uvloop

from bench.bare_executor import bare_session
from bench.cancel_venue import DOWN, UP
from bench.stats import write_percentiles
from common.bus.codec import decode
from common.clob.client import PostOrder, Sent
from common.schemas.signal import Signal

RESULT_KEY = "bench:bare-canceller"
TICK_MICRO = 10_000
#: How far below the fair value the best BUY rests, in ticks.
SPREAD_TICKS = 2
#: BUYs per outcome, a tick apart.
LEVELS = 5
SIZE_MICRO = 5_000_000
#: Signals of frames the venue stamped longer ago than this are not acted on: the two minutes of
#: history an RTDS subscription starts with, which reach the executor while it arms its heartbeat
#: and reconciles (its intents then expire unanswered), and would flood a canceller that is ready.
HISTORY_MS = 2_000


def bids(q_up_ppm: int) -> dict[tuple[str, int], int]:
    """(token, level) -> the price of our BUY there: from a few ticks under the outcome's fair value down."""
    out = {}
    for token, fair in ((UP, q_up_ppm), (DOWN, 1_000_000 - q_up_ppm)):
        top = fair // TICK_MICRO * TICK_MICRO - SPREAD_TICKS * TICK_MICRO
        for level in range(LEVELS):
            out[token, level] = min(990_000, max(TICK_MICRO, top - level * TICK_MICRO))
    return out


async def cancel_on_moves(redis_url: str, stream: str) -> None:
    signer, client, redis, lane, stop = await bare_session(redis_url)
    spans: list[float] = []
    tasks: set[asyncio.Task[None]] = set()

    async def cancel(ids: list[str], tick_ms: float | None) -> None:
        sent = Sent()
        await client.cancel_orders(ids, sent)
        if tick_ms is not None and sent.at_ms is not None:
            spans.extend(sent.at_ms - tick_ms for _ in ids)  # one sample per order, as the executor
            await redis.hset(RESULT_KEY, "live_count", len(spans))

    def spawn(coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    # (token, level) -> (price, order id); the id is the signed order's hash, known before the POST
    resting: dict[tuple[str, int], tuple[int, str]] = {}
    last = "$"
    while not stop.is_set():
        for entry_id, fields in await lane.xread(stream, last, count=100, block_ms=100):
            last = entry_id.decode()
            env = decode(fields) if fields else None
            if env is None or not isinstance(env.body, Signal) or not env.body.size_factor_ppm:
                continue
            if time.time() * 1000 - env.event_ms > HISTORY_MS:
                continue
            # Exposed orders (priced above the new ladder) go first, in one DELETE; then the rest.
            wanted = bids(env.body.q_up_ppm)
            exposed = [k for k, (price, _) in resting.items() if price > wanted[k]]
            if exposed:
                spawn(cancel([resting.pop(k)[1] for k in exposed], env.ingest_ms if env.body.fair_move else None))
            new = [k for k in wanted if resting.get(k, (0, ""))[0] != wanted[k]]
            if new:
                stale = [resting.pop(k)[1] for k in new if k in resting]
                if stale:
                    spawn(cancel(stale, None))
                now_ms = int(time.time() * 1000)
                legs = [PostOrder(signer.sign(token_id=k[0], side="BUY", price_micro=wanted[k], size_micro=SIZE_MICRO,
                                              tick_size_micro=TICK_MICRO, timestamp_ms=now_ms), "GTC", post_only=True)
                        for k in new]  # fmt: skip
                resting.update((k, (wanted[k], leg.order.order_id)) for k, leg in zip(new, legs, strict=True))
                spawn(client.post_orders(legs))
            await asyncio.sleep(0)  # let the requests leave before the next entry (as the executor does)
    if tasks:
        await asyncio.wait(set(tasks), timeout=5)
    await write_percentiles(redis, RESULT_KEY, spans)
    await lane.aclose()
    await redis.aclose()
    await client.aclose()


if __name__ == "__main__":
    uvloop.run(cancel_on_moves(*sys.argv[1:3]))
