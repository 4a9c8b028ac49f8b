"""The unified official SDK (``polymarket-client``) pointed at an emulator, as a new user would point it.

Only public entry points and the SDK's own environment factory are used; nothing of the SDK is
patched. The wallet is the signer's address, so the SDK trades as an EOA (signature type 0) and
never asks the relayer for a deposit wallet.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
from eth_account import Account
from polymarket import SecureClient
from polymarket._internal.environment import PRODUCTION_CONFIG, create_environment
from polymarket.environments import Environment


def sim_environment(url: str, chain: dict[str, Any] | None = None) -> Environment:
    """The SDK's production environment with every URL on the emulator; with ``chain`` (the
    emulator's ``/sim/chain``), also the Protocol V2 Router and PositionManager it deployed."""
    ws = url.replace("http://", "ws://")
    contracts = {} if chain is None else {"protocol_v2_router": chain["protocol_v2_router"],
                                          "position_manager": chain["position_manager"]}  # fmt: skip
    config = dataclasses.replace(
        PRODUCTION_CONFIG, clob_url=url, gamma_url=f"{url}/gamma", clob_market_ws_url=f"{ws}/ws/market",
        clob_user_ws_url=f"{ws}/ws/user", rpc_url=f"{url}/chain/rpc", data_url=f"{url}/data",
        relayer_url=f"{url}/relayer", realtime_ws_url=f"{ws}/ws-live-v2/ws", **contracts,
    )  # fmt: skip
    return create_environment(name="updown-sim", config=config)


def new_client(url: str) -> SecureClient:
    """A fresh EOA user: credentials created by L1 auth on first use."""
    account = Account.create()
    return SecureClient.create(private_key=account.key.hex(), wallet=account.address, environment=sim_environment(url))


def latest_window(url: str, series: str) -> dict[str, Any]:
    """The series' window furthest ahead (``/sim/world``): it accepts orders for the longest."""
    world = httpx.get(f"{url}/sim/world", timeout=10).json()
    windows = [w for w in world["windows"] if w["series"] == series and not w["closed"]]
    if not windows:
        raise LookupError(f"no window of {series} accepts orders in {url}/sim/world")
    return dict(max(windows, key=lambda w: w["end_s"]))
