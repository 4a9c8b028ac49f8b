"""The settlement bridge inside the emulator's server: the chain is described at ``/sim/chain``, a
new API key's wallet is funded on chain, and ``GET /balance-allowance/update`` answers with the
chain's balance after the wallet merged on its own."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from eth_account import Account
from pydantic import SecretStr

from common.clob.auth import L1Signer
from common.clob.client import AsyncClobClient
from common.clock import SystemClock
from sim.server import ServerConfig, SimServer
from sim.settlement import BINARY_PARTITION, ZERO_COLLECTION
from sim.world.clock import SimClock
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.trader_config import TraderConfig

pytestmark = pytest.mark.integration


async def test_a_refresh_after_a_merge_on_chain_returns_the_chains_balance() -> None:
    cfg = ServerConfig(chain=True, world=WorldConfig(seed=3, series=(SeriesConfig("btc", 60),)),
                       traders=replace(TraderConfig(), enabled=False))
    server = SimServer(cfg, SimClock(SystemClock().now_ms()))
    port = await server.start(run_ticks=False)
    url = f"http://127.0.0.1:{port}"
    key = Account.create()
    client = AsyncClobClient(url, SystemClock(), address=key.address,
                             l1=L1Signer(SecretStr(key.key.to_0x_hex()), 137))
    try:
        async with httpx.AsyncClient() as http:
            info = (await http.get(f"{url}/sim/chain")).json()
        await client.create_or_derive_api_key()
        chain = server.chain
        window = min(server.world.windows(), key=lambda w: w.start_s)
        condition = bytes.fromhex(window.ids.condition_id[2:])
        chain.add_account(bytes(key.key))
        chain.mint_full_sets(key.address, condition, 8_000_000)  # as if bought earlier, settled
        server.settlement.sync(key.address.lower())
        before = await client.balance_allowance("COLLATERAL")
        chain.ctf.functions.mergePositions(chain.collateral_address, ZERO_COLLECTION, condition, BINARY_PARTITION,
                                           3_000_000).transact({"from": key.address})

        stale = await client.balance_allowance("COLLATERAL")
        fresh = await client.balance_allowance("COLLATERAL", refresh=True)
        tokens = await client.balance_allowance("CONDITIONAL", token_id=window.ids.token_ids[0])

        assert (info["ctf"], info["collateral"], info["exchange"]) == (
            chain.ctf_address, chain.collateral_address, chain.operator)
        assert before.balance_micro == stale.balance_micro == 10_000_000_000  # the faucet, also on chain
        assert fresh.balance_micro == 10_003_000_000 == chain.collateral_balance(key.address)
        assert tokens.balance_micro == 5_000_000
    finally:
        await client.aclose()
        await server.stop()
