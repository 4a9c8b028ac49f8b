"""Benchmark: signed orders per second that ``OrderSigner`` + ``AsyncClobClient`` sustain in batches of 15.

The emulator's CLOB runs in a child process (rate limits off, one market, no traders) so that its
work does not share our interpreter; the bench signs every order with the real signer, records its
hash, posts batches of 15 with a few batches in flight, and checks every order id against the hash.

    .venv/bin/python -m bench.client [--orders 3000] [--in-flight 4]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import socket
import time

from eth_account import Account
from pydantic import SecretStr

from common.clob.auth import L1Signer
from common.clob.client import AsyncClobClient, PostOrder
from common.clob.signing import OrderSigner
from common.clock import SystemClock

TICK_MICRO = 10_000
UP, DOWN = "1001", "1002"
CONDITION_ID = "0x" + "be" * 32


def _serve(port: int) -> None:
    from aiohttp import web

    from sim.api import ApiSettings, add_clob_routes
    from sim.exchange import Exchange, ExchangeConfig, MarketSpec

    start = int(time.time()) // 900 * 900
    exchange = Exchange(time.time, random.Random(1), ExchangeConfig(rate_limits_enforced=False))
    exchange.add_market(MarketSpec(slug=f"btc-updown-15m-{start}", series="btc-15m", condition_id=CONDITION_ID,
                                   question_id="0x" + "f6" * 32, token_ids=(UP, DOWN), window_start_s=start,
                                   window_end_s=start + 900))  # fmt: skip
    app = web.Application()
    add_clob_routes(app, exchange, ApiSettings())
    web.run_app(app, host="127.0.0.1", port=port, print=None, handle_signals=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_up(client: AsyncClobClient) -> None:
    for _ in range(100):
        try:
            await client.server_time()
            return
        except Exception:
            await asyncio.sleep(0.1)
    raise RuntimeError("emulator did not start")


async def run(orders: int, in_flight: int, port: int) -> dict[str, float]:
    key = SecretStr(Account.create().key.hex())
    signer = OrderSigner(key, chain_id=137, rng=random.Random(7))
    client = AsyncClobClient(f"http://127.0.0.1:{port}", SystemClock(), address=signer.address, l1=L1Signer(key, 137))
    await _wait_up(client)
    await client.create_or_derive_api_key()
    batches = orders // 15
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(batches):
        queue.put_nowait(i)
    mismatched = 0
    sign_s = 0.0

    async def worker() -> None:
        nonlocal mismatched, sign_s
        while not queue.empty():
            i = queue.get_nowait()
            t = time.perf_counter()
            legs = [PostOrder(signer.sign(token_id=UP, side="BUY", price_micro=(1 + (i * 15 + j) % 48) * TICK_MICRO,
                                          size_micro=5_000_000, tick_size_micro=TICK_MICRO,
                                          timestamp_ms=time.time_ns() // 1_000_000), "GTC", post_only=True)
                    for j in range(15)]  # fmt: skip
            sign_s += time.perf_counter() - t
            results = await client.post_orders(legs)
            pairs = zip(results, legs, strict=True)
            mismatched += sum(not r.accepted or r.order_id != leg.order.order_id for r, leg in pairs)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    elapsed = time.perf_counter() - start
    await client.cancel_all()
    await client.aclose()
    return {"orders": batches * 15, "seconds": elapsed, "orders_per_s": batches * 15 / elapsed,
            "sign_us_per_order": sign_s / (batches * 15) * 1e6, "mismatched": mismatched}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3_000)
    parser.add_argument("--in-flight", type=int, default=4)
    args = parser.parse_args()
    port = _free_port()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(port,), daemon=True)
    server.start()
    try:
        figures = asyncio.run(run(args.orders, args.in_flight, port))
    finally:
        server.terminate()
        server.join(10)
    print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
