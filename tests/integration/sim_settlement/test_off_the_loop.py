"""The emulator's chain work runs off its event loop once the server runs: py-evm spends tens of ms
on each call and transaction, and on the loop that stalled every answer and websocket of the venue
(the whole-system tick-to-order tail). The loop serves while a settlement round is on the chain,
and an order's allowance check answers while the chain is busy."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

import httpx
import pytest
from eth_account import Account
from pydantic import SecretStr

from common.clob.auth import L1Signer
from common.clob.client import AsyncClobClient, PostOrder
from common.clob.signing import OrderSigner
from common.clock import SystemClock
from sim.api.signed_orders import ERR_ALLOWANCE
from sim.chain.local_chain import LocalChain
from sim.server import ServerConfig, SimServer
from sim.world.clock import SimClock
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.trader_config import TraderConfig
from tests.integration.sim_settlement.harness import COUNTERPARTY, new_venue

pytestmark = pytest.mark.integration

#: Generous bound for answers that must not wait for the chain (not a timing assertion: the chain
#: stays blocked far longer than this, until the test releases it).
ANSWER_WAIT_S = 30.0


async def test_a_settlement_round_runs_on_the_chain_thread_while_the_loop_serves(local_chain: LocalChain) -> None:
    venue = new_venue(local_chain)
    venue.approve_operator()
    venue.order(COUNTERPARTY, venue.up, "SELL", 400_000, 10_000_000)
    venue.order(venue.account_id, venue.up, "BUY", 400_000, 10_000_000)
    venue.clock.now_s += venue.exchange.config.confirmed_delay_ms / 1000 + 1
    venue.exchange.advance()  # CONFIRMED: owed, not yet on chain
    assert venue.bridge.owed
    venue.bridge.chain_thread.start()
    turns = 0
    settling = asyncio.create_task(venue.bridge.settle_round())
    while not settling.done():
        turns += 1  # the loop runs this while the round is on the chain
        await asyncio.sleep(0)
    await settling
    venue.bridge.chain_thread.shutdown()

    assert turns > 1
    assert venue.bridge.chain_thread.thread_ids and threading.get_ident() not in venue.bridge.chain_thread.thread_ids
    assert not venue.bridge.owed
    assert venue.exchange_view() == venue.chain_view()


async def test_orders_and_the_chain_route_are_served_while_the_chain_is_busy() -> None:
    cfg = ServerConfig(chain=True, world=WorldConfig(seed=5, series=(SeriesConfig("btc", 900),)),
                       traders=replace(TraderConfig(), enabled=False))  # fmt: skip
    server = SimServer(cfg, SimClock(SystemClock().now_ms()))
    port = await server.start()
    url = f"http://127.0.0.1:{port}"
    key = Account.create()
    secret = SecretStr(key.key.to_0x_hex())
    client = AsyncClobClient(url, SystemClock(), address=key.address, l1=L1Signer(secret, 137))
    signer = OrderSigner(secret, chain_id=137)
    release = threading.Event()
    try:
        await client.create_or_derive_api_key()
        async with httpx.AsyncClient() as http:
            rpc = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}
            assert "result" in (await http.post(f"{url}/chain/rpc", json=rpc, timeout=ANSWER_WAIT_S)).json()
        await asyncio.to_thread(server.chain_thread.submit(lambda: None).result)  # the wallet is funded
        server.chain_thread.post(release.wait)  # the chain is busy until released
        window = max(server.world.windows(), key=lambda w: w.end_s)
        now_ms = SystemClock().now_ms()
        order = signer.sign(token_id=window.ids.token_ids[0], side="BUY", price_micro=300_000,  # type: ignore[arg-type]
                            size_micro=5_000_000, tick_size_micro=10_000, timestamp_ms=now_ms)  # fmt: skip
        posted = await asyncio.wait_for(client.post_orders([PostOrder(order, "GTC", post_only=True)]), ANSWER_WAIT_S)
        balance = await asyncio.wait_for(client.balance_allowance("COLLATERAL"), ANSWER_WAIT_S)
        chain_was_busy = not release.is_set()
    finally:
        release.set()
        await client.aclose()
        await server.stop()

    assert chain_was_busy
    assert (posted[0].accepted, posted[0].error_msg) == (False, ERR_ALLOWANCE)  # never approved: the venue's answer
    assert balance.balance_micro == 10_000_000_000
    assert server.chain_thread.thread_ids
