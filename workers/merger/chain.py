"""Where the merger's chain is, and the trading approvals of reference §8.2, through ``common.chain``.

In sim mode the emulator says where its contracts are (``GET <clob_url>/sim/chain``): the CTF, the
collateral and the operator that settles trades (the stand-in for the CTF Exchange, the spender to
approve). In live mode they are Polygon's (reference §8.1): merges and redeems go through the
CtfCollateralAdapter, which pays pUSD while position ids stay derived from USDC.e (§8.3).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from eth_account import Account
from eth_utils.address import to_checksum_address
from pydantic import SecretStr
from web3 import AsyncWeb3

from common.chain import ChainContracts, IntentStore
from common.chain.abi import CTF_ABI
from common.chain.gateway import POLYGON_CTF, POLYGON_USDC_E
from common.chain.protocol_v2 import POLYGON_POSITION_MANAGER, POLYGON_PROTOCOL_V2_ROUTER, ProtocolV2Contracts
from common.chain.sender import GatewaySettings, TxSender
from common.config.settings import Mode, Settings

#: The emulator's description of its chain, under the CLOB's base URL.
SIM_CHAIN_PATH = "/sim/chain"
#: pUSD, the CtfCollateralAdapter and the exchanges that spend our tokens on Polygon (reference §8.1).
POLYGON_PUSD = "0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB"
POLYGON_CTF_COLLATERAL_ADAPTER = "0xAdA100Db00Ca00073811820692005400218FcE1f"
POLYGON_EXCHANGE_V2 = "0xE111180000d2663C0091e4f400237545B87B996B"
POLYGON_NEG_RISK_EXCHANGE_V2 = "0xe2222d279d744050d28e00520010520000310F59"
#: Protocol V2 markets: orders settle on ExchangeV3, whose outcome tokens the PositionManager holds
#: (reference §8.1; the official SDK approves it as the ERC-1155 of V2 position ids for SELLs).
POLYGON_EXCHANGE_V3 = "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa"
MAX_UINT256 = 2**256 - 1
#: An allowance below this is topped up to the maximum (it is spent down by every BUY).
LOW_ALLOWANCE_MICRO = 10**15

ERC20_APPROVAL_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": "allowance", "stateMutability": "view",
     "inputs": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
     "outputs": [{"name": "", "type": "uint256"}]},
    {"type": "function", "name": "approve", "stateMutability": "nonpayable",
     "inputs": [{"name": "spender", "type": "address"}, {"name": "amount", "type": "uint256"}],
     "outputs": [{"name": "", "type": "bool"}]},
]


@dataclass(frozen=True)
class ChainSetup:
    contracts: ChainContracts
    #: The collateral the exchange takes for BUYs (pUSD), and the spenders to approve for it and the CTF.
    trading_collateral: str
    spenders: tuple[str, ...]
    #: Protocol V2 markets' exchange, the ERC-1155 it moves and the Router that merges and redeems
    #: them (None where there is none: an emulator older than its V2 contracts).
    v2_exchange: str | None = None
    position_manager: str | None = None
    protocol_v2_router: str | None = None

    @property
    def v2_contracts(self) -> ProtocolV2Contracts | None:
        if self.position_manager is None or self.protocol_v2_router is None:
            return None
        return ProtocolV2Contracts(router=self.protocol_v2_router, position_manager=self.position_manager,
                                   payout_token=self.trading_collateral)


async def chain_setup(settings: Settings) -> ChainSetup:
    if settings.mode is Mode.SIM:
        async with httpx.AsyncClient(base_url=settings.venue.clob_url, timeout=10.0) as http:
            response = await http.get(SIM_CHAIN_PATH)
            response.raise_for_status()
            info = response.json()
        return ChainSetup(ChainContracts.single_collateral(info["ctf"], info["collateral"]), info["collateral"],
                          (info["exchange"],), info.get("exchange_v3"), info.get("position_manager"),
                          info.get("protocol_v2_router"))
    contracts = ChainContracts(ctf=POLYGON_CTF, target=POLYGON_CTF_COLLATERAL_ADAPTER,
                               collateral_argument=POLYGON_PUSD, position_collateral=POLYGON_USDC_E,
                               payout_token=POLYGON_PUSD)
    return ChainSetup(contracts, POLYGON_PUSD, (POLYGON_EXCHANGE_V2, POLYGON_NEG_RISK_EXCHANGE_V2),
                      POLYGON_EXCHANGE_V3, POLYGON_POSITION_MANAGER, POLYGON_PROTOCOL_V2_ROUTER)


async def ensure_exchange_approvals(w3: AsyncWeb3[Any], private_key: SecretStr, setup: ChainSetup,
                                    store: IntentStore, chain_id: int,
                                    settings: GatewaySettings | None = None) -> list[str]:
    """``collateral.approve(spender, max)`` and ``CTF.setApprovalForAll(spender, true)`` for every
    spender that lacks them, and for Protocol V2 markets the same to ExchangeV3 with the
    PositionManager as the ERC-1155; idempotent (reads first, persisted intents). Returns the tx hashes."""
    account = Account.from_key(private_key.get_secret_value())
    address = to_checksum_address(account.address)
    sender = TxSender(w3, account, address, store, chain_id, settings or GatewaySettings(), asyncio.sleep)
    collateral = w3.eth.contract(address=to_checksum_address(setup.trading_collateral), abi=ERC20_APPROVAL_ABI)
    ctf = w3.eth.contract(address=to_checksum_address(setup.contracts.ctf), abi=CTF_ABI)
    pairs = [(ctf, "ctf", to_checksum_address(s)) for s in setup.spenders]
    if setup.v2_exchange is not None and setup.position_manager is not None:
        manager = w3.eth.contract(address=to_checksum_address(setup.position_manager), abi=CTF_ABI)
        pairs.append((manager, "positions", to_checksum_address(setup.v2_exchange)))
    sent: list[str] = []
    for erc1155, kind, spender in pairs:
        async with sender.lock():
            intent = await sender.intent(f"approve:collateral:{spender}", "approve", b"", 0)
            intent, _ = await sender.settle(intent)
            if int(await collateral.functions.allowance(address, spender).call()) < LOW_ALLOWANCE_MICRO:
                intent, tx = await sender.send(intent, collateral.functions.approve(spender, MAX_UINT256), 0)
                await sender.confirm(intent, tx)
                sent.append(tx.tx_hash)
            intent = await sender.intent(f"approve:{kind}:{spender}", "approve", b"", 0)
            intent, _ = await sender.settle(intent)
            if not await erc1155.functions.isApprovedForAll(address, spender).call():
                intent, tx = await sender.send(intent, erc1155.functions.setApprovalForAll(spender, True), 0)
                await sender.confirm(intent, tx)
                sent.append(tx.tx_hash)
    return sent
