"""The merger on a Protocol V2 market, against the real emulator with its chain: our fills settle on
the PositionManager, full sets are merged through the Router during the window, the winner is
redeemed through it after resolution, and the emulator's record of our collateral equals the
chain's to the micro-unit. Orders are signed by the bot's own signer for ExchangeV3 (domain "3").

As in ``test_merger_against_the_emulator``, the test plays the ledger, so only the merger runs.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
import redis
from eth_account import Account
from pydantic import SecretStr
from web3 import HTTPProvider, Web3

from cli.keys import derive_credentials, write_secret
from common import state
from common.chain.abi import CTF_ABI, ERC20_ABI
from common.chain.protocol_v2 import position_ids
from common.clob.auth import L1Signer
from common.clob.client import AsyncClobClient, PostOrder
from common.clob.protocol import is_v2_position_id
from common.clob.signing import OrderSigner
from common.clock import SystemClock
from common.config import load_settings
from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.integration.emulator import approve_exchange, emulator, venue_env
from tests.integration.merger.test_merger_against_the_emulator import inventory, position, settle_and_check

pytestmark = [pytest.mark.integration, pytest.mark.slow]
WINDOW_S = 20
TICK_MICRO = 10_000


async def buy_v2(url: str, key: str, legs: list[tuple[str, int, int]]) -> None:
    """BUY (token, price, size) legs as makers, signed for ExchangeV3 as a Protocol V2 market needs.
    The first call creates the wallet's API key (and so its account, funded on chain); a call with
    no legs does only that."""
    secret = SecretStr(key)
    client = AsyncClobClient(url, SystemClock(), address=Account.from_key(key).address, l1=L1Signer(secret, 137))
    try:
        await client.sync_time()
        await client.create_or_derive_api_key()
        if not legs:
            return
        signer = OrderSigner(secret, chain_id=137)
        now_ms = time.time_ns() // 1_000_000
        orders = [PostOrder(signer.sign(token_id=t, side="BUY", price_micro=p, size_micro=s,
                                        tick_size_micro=TICK_MICRO, timestamp_ms=now_ms, protocol_v2=True))
                  for t, p, s in legs]  # fmt: skip
        results = await client.post_orders(orders)
        assert all(r.accepted for r in results), results
    finally:
        await client.aclose()


def test_v2_full_sets_are_merged_and_winners_redeemed_through_the_router(redis_url: str, tmp_path: Path) -> None:
    r = redis.Redis.from_url(redis_url)
    secrets = tmp_path / "secrets"
    with emulator(tmp_path, "--series", "btc-5m", "--v2-series", "btc-5m", "--window-seconds", str(WINDOW_S),
                  "--no-traders", "--seed", "11") as url:  # with its chain
        env = {**venue_env(url), "UPDOWN_SERIES": '["btc-5m"]', "UPDOWN_SECRETS_DIR": str(secrets)}
        ours = Account.create()
        key = ours.key.to_0x_hex()
        write_secret(secrets, "wallet__private_key", key)
        derive_credentials(load_settings(env={**env, "UPDOWN_WALLET__PRIVATE_KEY": key}), secrets)
        info = httpx.get(f"{url}/sim/chain").json()
        w3 = Web3(HTTPProvider(f"{url}/chain/rpc"))
        manager = w3.eth.contract(address=info["position_manager"], abi=CTF_ABI)
        collateral = w3.eth.contract(address=info["collateral"], abi=ERC20_ABI)

        def chain_cash() -> int:
            return int(collateral.functions.balanceOf(ours.address).call())

        def venue_cash() -> int:
            return int(httpx.get(f"{url}/sim/accounts/{ours.address}").json()["cash_micro"])

        now_s = time.time()
        windows = httpx.get(f"{url}/sim/world").json()["windows"]
        window = min((w for w in windows if w["end_s"] - now_s >= 8), key=lambda w: w["end_s"])
        market, tokens = window["condition_id"], tuple(window["token_ids"])
        assert all(is_v2_position_id(t) for t in tokens)
        condition = bytes.fromhex(market[2:])
        assert tuple(str(i) for i in position_ids(condition)) == tokens
        gamma = httpx.get(f"{url}/gamma/markets", params={"slug": window["slug"]}).json()[0]
        assert (gamma["version"], gamma["positionIds"]) == ("v2", list(tokens))

        other_key = Account.create().key.hex()
        for wallet in (key, other_key):  # the emulator refuses orders of a wallet that never approved
            asyncio.run(buy_v2(url, wallet, []))
            approve_exchange(url, wallet)
        asyncio.run(buy_v2(url, key, [(tokens[0], 400_000, 30_000_000), (tokens[1], 550_000, 25_000_000)]))
        asyncio.run(buy_v2(url, other_key, [(tokens[1], 600_000, 30_000_000), (tokens[0], 450_000, 25_000_000)]))

        def held() -> tuple[int, int]:
            up, down = manager.functions.balanceOfBatch([ours.address] * 2, [int(t) for t in tokens]).call()
            return int(up), int(down)

        wait_for(lambda: held() == (30_000_000, 25_000_000), timeout_s=15,
                 what="our fills settled on the PositionManager")
        r.hset(state.POSITIONS, market, position(market, tokens, 30_000_000, 25_000_000))
        merger = start_worker("workers.merger.worker:SPEC", redis_url, tmp_path, "merger-0", **env)
        try:
            wait_for(lambda: len(inventory(r)) >= 1, timeout_s=30, what="a merge through the Router")
            assert held() == (5_000_000, 0)
            merge = inventory(r)[0]
            assert (merge.kind, merge.sets_micro, merge.collateral_micro) == ("merge", 25_000_000, 25_000_000)
            r.hset(state.POSITIONS, market, position(market, tokens, 5_000_000, 0))
            assert manager.functions.isApprovedForAll(ours.address, info["protocol_v2_router"]).call()
            assert manager.functions.isApprovedForAll(ours.address, info["exchange_v3"]).call()

            settle_and_check(r, url, market, tokens, window, 1, held, chain_cash, venue_cash)
        finally:
            assert stop(merger) == 0
