"""``updown bench series --emulator``: the emulator's event loop while a bot-like client trades.

The emulator (in this process, with its local chain, no background traders) serves a client that
posts batches of 15 signed post-only BUYs every :data:`BATCH_EVERY_S` (each order checked against
the wallet's allowance on chain, as the venue does) and asks for a balance refresh every
:data:`REFRESH_EVERY` batches (a sync with the chain). Meanwhile a probe sleeps 5 ms at a time and
records how late each wake-up is: how long the loop was kept from serving anything else (the
websockets, the order answers of a whole-bot run). No lock: it binds free ports only.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from eth_account import Account
from pydantic import SecretStr

from bench.stats import percentile
from common.clob.auth import L1Signer
from common.clob.client import AsyncClobClient, PostOrder
from common.clob.signing import OrderSigner
from common.clock import SystemClock
from sim.exchange.config import ExchangeConfig
from sim.server import ServerConfig, SimServer
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.trader_config import TraderConfig

#: The probe's sleep: its overshoot is the loop's lag.
PROBE_S = 0.005
#: Orders per batch (the executor's batch) and the pause between batches (about 75 orders/s).
BATCH, BATCH_EVERY_S = 15, 0.2
#: A balance refresh (``GET /balance-allowance/update``: a sync with the chain) every this many batches.
REFRESH_EVERY = 10
#: The client's wait after its API key, for the emulator to fund its wallet on chain.
FUNDED_WAIT_S = 2.0


async def loop_run(seconds: float) -> str:
    cfg = ServerConfig(chain=True, world=WorldConfig(seed=5, series=(SeriesConfig("btc", 900),)),
                       traders=replace(TraderConfig(), enabled=False),
                       exchange=replace(ExchangeConfig(), rate_limits_enforced=False))  # fmt: skip
    server = SimServer(cfg)
    port = await server.start()
    key = Account.create()
    secret = SecretStr(key.key.to_0x_hex())
    client = AsyncClobClient(f"http://127.0.0.1:{port}", SystemClock(), address=key.address, l1=L1Signer(secret, 137))
    signer = OrderSigner(secret, chain_id=137)
    lags: list[float] = []
    answered = 0
    try:
        await client.create_or_derive_api_key()
        await asyncio.sleep(FUNDED_WAIT_S)
        token = max(server.world.windows(), key=lambda w: w.end_s).ids.token_ids[0]
        stop = time.perf_counter() + seconds

        async def probe() -> None:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                await asyncio.sleep(PROBE_S)
                lags.append((time.perf_counter() - t - PROBE_S) * 1000)

        async def orders() -> None:
            nonlocal answered
            batches = 0
            while time.perf_counter() < stop:
                batch = [PostOrder(signer.sign(token_id=token, side="BUY", price_micro=100_000 + 10_000 * (k % 20),
                                               size_micro=5_000_000, tick_size_micro=10_000,
                                               timestamp_ms=SystemClock().now_ms()), "GTC", post_only=True)
                         for k in range(BATCH)]  # fmt: skip
                answered += len(await client.post_orders(batch))
                batches += 1
                if batches % REFRESH_EVERY == 0:
                    await client.balance_allowance("COLLATERAL", refresh=True)
                await asyncio.sleep(BATCH_EVERY_S)

        await asyncio.gather(probe(), orders())
    finally:
        await client.aclose()
        await server.stop()
    lags.sort()
    return (f"emulator loop lag over {len(lags)} {PROBE_S * 1000:.0f}-ms timers while a client posts "
            f"{BATCH}-order batches: p50 {percentile(lags, 50):.1f} ms, p99 {percentile(lags, 99):.1f} ms, "
            f"max {lags[-1]:.1f} ms; {answered / seconds:.0f} orders answered/s (each allowance-checked)")  # fmt: skip


def main(seconds: float) -> int:
    print(asyncio.run(loop_run(seconds)))
    return 0
