"""Protocol V2 markets' merges and redeems: the Router and the PositionManager (reference §1.6, §8.3).

A V2 market's outcome tokens live in the PositionManager (an ERC-1155), not the CTF, and the Router
merges and redeems them against pUSD: ``merge(bytes31 marketId, uint256 amount)`` burns ``amount``
of both outcomes and pays as much collateral; ``redeem(bytes31 marketId, uint256 outcomeIndex,
uint256 amount)`` burns one outcome's tokens and pays their share of the payout. The market id is
the condition id Gamma serves without its last (outcome) byte, and the position id of outcome i is
that market id followed by the byte i: the calls and ids the official SDK builds
(``router_merge_call``, ``router_redeem_call``, ``decode_v2_outcome_position_id``). The Router
burns the holder's positions, so it needs ``PositionManager.setApprovalForAll(router)``
(:meth:`ProtocolV2Gateway.ensure_target_approved`), as the SDK's trading approvals set it.

Resolution is read as ``payoutDenominator(bytes31)`` / ``payoutNumerators(bytes31, uint256)`` on the
Router, the CTF's own shape; the emulator's Router serves them. The official SDK never reads them
(it redeems once Gamma says the market closed), so this read on Polygon is UNCERTAIN: the Router's
resolution interface is not in any source we have.

Exactly-once works as in :class:`~common.chain.eoa.EoaGateway`: one signer lock shared with it,
intents persisted before broadcast, every attempt settles what is in flight and re-plans from the
chain.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

from eth_utils.address import to_checksum_address
from pydantic import BaseModel, ConfigDict, SecretStr, field_validator
from web3 import AsyncWeb3

from common.chain.abi import CTF_ABI, ERC20_ABI, ROUTER_ABI
from common.chain.eoa import SignerGateway
from common.chain.gateway import RedeemResult
from common.chain.intents import IntentStore
from common.chain.planning import Balances, Payouts
from common.chain.retry import RedeemNoOp
from common.chain.sender import GatewaySettings

#: A V2 market id is the first 31 bytes of its 32-byte condition id.
MARKET_ID_BYTES = 31
#: Polygon's Protocol V2 Router and PositionManager (reference §8.1).
POLYGON_PROTOCOL_V2_ROUTER = "0x12121212006e4CD160D18e3f00711DA5c3372600"
POLYGON_POSITION_MANAGER = "0x006F54F7f9A22e0000CC2AB60031000000ae9fEF"


def market_id(condition_id: bytes) -> bytes:
    return condition_id[:MARKET_ID_BYTES]


def position_ids(condition_id: bytes) -> tuple[int, int]:
    """(Up, Down) position ids of a V2 market: the market id followed by the outcome index."""
    market = market_id(condition_id)
    return int.from_bytes(market + b"\x00", "big"), int.from_bytes(market + b"\x01", "big")


class ProtocolV2Contracts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    router: str
    position_manager: str
    #: The ERC-20 that merges and redeems pay out (pUSD).
    payout_token: str

    @field_validator("router", "position_manager", "payout_token")
    @classmethod
    def _checksum(cls, value: str) -> str:
        return to_checksum_address(value)


class ProtocolV2Gateway(SignerGateway):
    """An EOA merging and redeeming Protocol V2 positions through the Router, paying its own gas."""

    def __init__(self, w3: AsyncWeb3[Any], private_key: SecretStr, contracts: ProtocolV2Contracts,
                 store: IntentStore, *, chain_id: int, settings: GatewaySettings | None = None,
                 rng: random.Random | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:  # fmt: skip
        super().__init__(w3, private_key, store, chain_id=chain_id, settings=settings, rng=rng, sleep=sleep)
        self.contracts = contracts
        self.router = w3.eth.contract(address=to_checksum_address(contracts.router), abi=ROUTER_ABI)
        self.positions = w3.eth.contract(address=to_checksum_address(contracts.position_manager), abi=CTF_ABI)
        self.payout_token = w3.eth.contract(address=to_checksum_address(contracts.payout_token), abi=ERC20_ABI)

    def __repr__(self) -> str:
        return f"ProtocolV2Gateway(address={self.address}, router={self.contracts.router})"

    # --- reads -------------------------------------------------------------------------------

    async def balances(self, condition_id: bytes) -> Balances:
        up, down = await self.positions.functions.balanceOfBatch(
            [self.address, self.address], list(position_ids(condition_id))).call()
        return Balances(int(up), int(down))

    async def payouts(self, condition_id: bytes) -> Payouts:
        market = market_id(condition_id)
        denominator = int(await self.router.functions.payoutDenominator(market).call())
        if denominator == 0:
            return Payouts(0, 0, 0)
        up = int(await self.router.functions.payoutNumerators(market, 0).call())
        down = int(await self.router.functions.payoutNumerators(market, 1).call())
        return Payouts(up, down, denominator)

    async def collateral_balance(self) -> int:
        return int(await self.payout_token.functions.balanceOf(self.address).call())

    # --- one attempt of each action (retried by SignerGateway) -------------------------------

    def _merge_call(self, condition_id: bytes, amount_micro: int) -> Any:
        return self.router.functions.merge(market_id(condition_id), amount_micro)

    async def _redeem_once(self, condition_id: bytes) -> RedeemResult:
        async with self._tx.lock():
            intent = await self._tx.intent(f"redeem:{condition_id.hex()}", "redeem", condition_id, 0)
            done_before = intent.done_micro
            intent, tx_hash = await self._tx.settle(intent)
            before = await self.balances(condition_id)
            payouts = await self.payouts(condition_id)
            after = before
            wins = (before.up_micro and payouts.up) or (before.down_micro and payouts.down)
            if payouts.resolved and wins:
                numerators = (payouts.up, payouts.down)
                # Losers first: a crash between the two leaves the winner, so a retry still redeems.
                for outcome in sorted((0, 1), key=lambda i: numerators[i]):
                    balance = before[outcome]
                    if balance <= 0:
                        continue
                    call = self.router.functions.redeem(market_id(condition_id), outcome, balance)
                    paid = balance * numerators[outcome] // payouts.denominator
                    intent, sent = await self._tx.send(intent, call, paid)
                    intent = await self._tx.confirm(intent, sent)
                    tx_hash = sent.tx_hash
                after = await self.balances(condition_id)
                if sum(after) >= sum(before):
                    raise RedeemNoOp(f"redeem {tx_hash} burned nothing")
            return RedeemResult(condition_id, intent.done_micro - done_before, intent.done_micro, after, tx_hash)

    async def _approve_once(self) -> str | None:
        router = to_checksum_address(self.contracts.router)
        async with self._tx.lock():
            intent = await self._tx.intent(f"approve:{router}", "approve", b"", 0)
            intent, _ = await self._tx.settle(intent)
            if await self.positions.functions.isApprovedForAll(self.address, router).call():
                return None
            intent, sent = await self._tx.send(intent, self.positions.functions.setApprovalForAll(router, True), 0)
            await self._tx.confirm(intent, sent)
            return sent.tx_hash
