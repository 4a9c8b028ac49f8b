"""The unified official SDK, unmodified, splits, merges and redeems a Protocol V2 market through the
emulator's chain: the calls it builds (``Router.split/merge(bytes31,uint256)``,
``redeem(bytes31,uint256,uint256)``, balances on the PositionManager) are the ones the emulator's
Router and PositionManager answer, so the bot's gateway and the official client agree on them."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
import requests
from eth_account import Account
from polymarket import SecureClient
from web3 import HTTPProvider, Web3

from common.chain.abi import CTF_ABI, ERC20_ABI
from tests.integration.bus.procs import wait_for
from tests.integration.emulator import emulator
from workers.merger.chain import ERC20_APPROVAL_ABI, MAX_UINT256

from .unified import sim_environment

pytestmark = [pytest.mark.integration, pytest.mark.slow]
WINDOW_S = 20


def approve_router(w3: Web3, info: dict[str, str], private_key: str) -> None:
    """What the SDK's trading approvals set for V2 positions: pUSD and the PositionManager's tokens to
    the Router (split pulls the collateral; merge and redeem burn the positions)."""
    account = Account.from_key(private_key)
    router = Web3.to_checksum_address(info["protocol_v2_router"])
    pusd = w3.eth.contract(address=Web3.to_checksum_address(info["collateral"]), abi=ERC20_APPROVAL_ABI)
    manager = w3.eth.contract(address=Web3.to_checksum_address(info["position_manager"]), abi=CTF_ABI)
    for call in (pusd.functions.approve(router, MAX_UINT256), manager.functions.setApprovalForAll(router, True)):
        tx = call.build_transaction({"from": account.address, "chainId": w3.eth.chain_id,
                                     "nonce": w3.eth.get_transaction_count(account.address)})  # fmt: skip
        w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction))


def test_the_sdk_splits_merges_and_redeems_a_v2_market_on_the_emulators_router(tmp_path: Path) -> None:
    with emulator(tmp_path, "--series", "eth-5m", "--v2-series", "eth-5m", "--window-seconds", str(WINDOW_S),
                  "--no-traders", "--seed", "5") as url:  # with its chain
        info = httpx.get(f"{url}/sim/chain", timeout=10).json()
        account = Account.create()
        key = account.key.hex()
        client = SecureClient.create(private_key=key, wallet=account.address,
                                     environment=sim_environment(url, chain=info))  # fmt: skip
        with requests.Session() as session:
            w3 = Web3(HTTPProvider(f"{url}/chain/rpc", session=session))
            wait_for(lambda: w3.eth.get_balance(account.address) > 0, 10, "the new wallet funded on chain")
            approve_router(w3, info, key)
            manager = w3.eth.contract(address=Web3.to_checksum_address(info["position_manager"]), abi=CTF_ABI)
            pusd = w3.eth.contract(address=Web3.to_checksum_address(info["collateral"]), abi=ERC20_ABI)
            now_s = time.time()
            window = min((w for w in httpx.get(f"{url}/sim/world", timeout=10).json()["windows"]
                          if w["end_s"] - now_s >= 5), key=lambda w: w["end_s"])  # fmt: skip
            market, tokens = window["condition_id"], [int(t) for t in window["token_ids"]]

            def held() -> tuple[int, int]:
                up, down = manager.functions.balanceOfBatch([account.address] * 2, tokens).call()
                return int(up), int(down)

            cash = int(pusd.functions.balanceOf(account.address).call())
            client.split_position(condition_id=market, amount=6_000_000).wait()
            assert held() == (6_000_000, 6_000_000)
            client.merge_positions(condition_id=market, amount=2_000_000).wait()
            assert held() == (4_000_000, 4_000_000)
            assert int(pusd.functions.balanceOf(account.address).call()) == cash - 4_000_000

            def resolved() -> bool:
                markets = httpx.get(f"{url}/sim/markets", timeout=10).json()["markets"]
                return any(m["condition_id"] == market and m["winner_index"] is not None for m in markets)

            wait_for(resolved, window["end_s"] - time.time() + 30, "the window resolved on chain")
            client.redeem_positions(condition_id=market).wait()
            assert held() == (0, 0)
            assert int(pusd.functions.balanceOf(account.address).call()) == cash  # 4 sets, one side paid 1 each
        client.close()
