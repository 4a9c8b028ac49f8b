"""The emulator refuses, as the venue does, a BUY of a wallet that never approved the exchange for
its collateral and a SELL of one that never approved it for its tokens; the approvals on chain
lift each refusal."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_account import Account
from pydantic import SecretStr

from common.clob.auth import L1Signer
from common.clob.client import AsyncClobClient, PostOrder
from common.clob.signing import OrderSigner
from common.clock import SystemClock
from sim.api.signed_orders import ERR_ALLOWANCE
from sim.server import ServerConfig, SimServer
from sim.world.clock import SimClock
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.trader_config import TraderConfig

pytestmark = pytest.mark.integration


async def test_orders_without_approvals_are_refused_until_the_wallet_approves() -> None:
    cfg = ServerConfig(chain=True, world=WorldConfig(seed=4, series=(SeriesConfig("btc", 900),)),
                       traders=replace(TraderConfig(), enabled=False))  # fmt: skip
    server = SimServer(cfg, SimClock(SystemClock().now_ms()))
    port = await server.start(run_ticks=False)
    key = Account.create()
    secret = SecretStr(key.key.to_0x_hex())
    client = AsyncClobClient(f"http://127.0.0.1:{port}", SystemClock(), address=key.address, l1=L1Signer(secret, 137))
    signer = OrderSigner(secret, chain_id=137)
    try:
        await client.create_or_derive_api_key()
        chain = server.chain
        window = max(server.world.windows(), key=lambda w: w.end_s)
        up = window.ids.token_ids[0]
        chain.add_account(bytes(key.key))
        chain.mint_full_sets(key.address, bytes.fromhex(window.ids.condition_id[2:]), 10_000_000)
        server.settlement.sync(key.address.lower())

        async def post(side: str, price_micro: int) -> tuple[bool, str]:
            order = signer.sign(token_id=up, side=side, price_micro=price_micro, size_micro=5_000_000,  # type: ignore[arg-type]
                                tick_size_micro=10_000, timestamp_ms=SystemClock().now_ms())  # fmt: skip
            result = (await client.post_orders([PostOrder(order, "GTC", post_only=True)]))[0]
            return result.accepted, result.error_msg

        buy_before, sell_before = await post("BUY", 300_000), await post("SELL", 800_000)
        chain.collateral.functions.approve(chain.operator, 2**256 - 1).transact({"from": key.address})
        buy_after, sell_still = await post("BUY", 310_000), await post("SELL", 810_000)
        chain.ctf.functions.setApprovalForAll(chain.operator, True).transact({"from": key.address})
        sell_after = await post("SELL", 820_000)

        assert buy_before == (False, ERR_ALLOWANCE) and sell_before == (False, ERR_ALLOWANCE)
        assert buy_after[0] and sell_still == (False, ERR_ALLOWANCE)
        assert sell_after[0]
    finally:
        await client.aclose()
        await server.stop()
