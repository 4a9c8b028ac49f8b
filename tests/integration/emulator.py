"""Run the emulator as a real process on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from common.redis_server import free_port

#: A quiet emulator: 5-minute BTC windows, no simulated traders, no chain, a fixed seed.
QUIET_5M = ("--series", "btc-5m", "--no-traders", "--no-chain", "--seed", "11")

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def emulator(tmp: Path, *args: str) -> Iterator[str]:
    """Yield the emulator's base URL; stop it (SIGTERM) afterwards."""
    port = free_port()
    with open(tmp / "sim.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "sim", "--port", str(port), *args],
                                cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/time", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not start: see {tmp / 'sim.log'}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(20)


def venue_env(url: str) -> dict[str, str]:
    """Point every venue URL of the config at the emulator."""
    ws = url.replace("http://", "ws://")
    return {"UPDOWN_VENUE__CLOB_URL": url, "UPDOWN_VENUE__GAMMA_URL": f"{url}/gamma",
            "UPDOWN_VENUE__WS_MARKET_URL": f"{ws}/ws/market", "UPDOWN_VENUE__WS_USER_URL": f"{ws}/ws/user",
            "UPDOWN_VENUE__RTDS_URL": f"{ws}/rtds", "UPDOWN_VENUE__POLYBOLT_URL": f"{ws}/ws-live-v2/ws",
            "UPDOWN_VENUE__CHAIN_RPC_URL": f"{url}/chain/rpc"}  # fmt: skip


def approve_exchange(url: str, private_key: str) -> None:
    """What a live user does once before trading (reference §8.2), for a wallet the emulator's chain
    backs: ``collateral.approve(exchange, max)``, ``CTF.setApprovalForAll(exchange, true)`` and the
    PositionManager's ``setApprovalForAll(exchangeV3, true)`` for Protocol V2 markets. The
    emulator refuses that wallet's BUYs and SELLs until then."""
    import requests
    from web3 import HTTPProvider, Web3

    info = httpx.get(f"{url}/sim/chain", timeout=10).json()
    with requests.Session() as session:  # closed here: no socket left for a later test to trip on
        _approve(Web3(HTTPProvider(f"{url}/chain/rpc", session=session)), info, private_key)


def _approve(w3: Any, info: dict[str, Any], private_key: str) -> None:
    from eth_account import Account
    from web3 import Web3

    from common.chain.abi import CTF_ABI
    from workers.merger.chain import ERC20_APPROVAL_ABI, MAX_UINT256

    account = Account.from_key(private_key)
    exchange = Web3.to_checksum_address(info["exchange"])
    collateral = w3.eth.contract(address=Web3.to_checksum_address(info["collateral"]), abi=ERC20_APPROVAL_ABI)
    ctf = w3.eth.contract(address=Web3.to_checksum_address(info["ctf"]), abi=CTF_ABI)
    calls = [collateral.functions.approve(exchange, MAX_UINT256), ctf.functions.setApprovalForAll(exchange, True)]
    if info.get("position_manager"):  # Protocol V2 markets' positions, moved by ExchangeV3
        manager = w3.eth.contract(address=Web3.to_checksum_address(info["position_manager"]), abi=CTF_ABI)
        calls.append(manager.functions.setApprovalForAll(Web3.to_checksum_address(info["exchange_v3"]), True))
    for call in calls:
        tx = call.build_transaction({"from": account.address, "chainId": w3.eth.chain_id,
                                     "nonce": w3.eth.get_transaction_count(account.address)})  # fmt: skip
        sent = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
        w3.eth.wait_for_transaction_receipt(sent, timeout=30)
