"""The chain gateway interface, its configuration, and the reads every wallet kind shares.

Which contract to call, and with which collateral, is configuration, because of the pitfall of
reference §8.3: since CLOB V2 the collateral is pUSD, but position (token) ids are still derived
from USDC.e. Calling ConditionalTokens directly therefore needs ``collateralToken = USDC.e`` (and
pays out USDC.e, to be wrapped into pUSD); passing pUSD makes the CTF look at position ids nobody
holds: a merge reverts, and a redeem *succeeds while burning and paying nothing*. Polymarket's pUSD
path is the CtfCollateralAdapter (same function shapes, pulls the tokens, pays pUSD; it needs
``CTF.setApprovalForAll(adapter)``). :class:`ChainContracts` refuses a direct-CTF configuration whose
collateral argument differs from the position collateral, and the gateways check after a redeem
that the tokens were really burned (:class:`~common.chain.retry.RedeemNoOp`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from eth_utils.address import to_checksum_address
from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from web3 import AsyncWeb3

from common.chain import abi, ids
from common.chain.planning import Balances, Payouts

#: ConditionalTokens on Polygon (reference §8.1).
POLYGON_CTF = "0x4D97DCd97eC945f40cF65F87097ACe5EA0476045"
#: USDC.e on Polygon: still the collateral of every position id (reference §8.3).
POLYGON_USDC_E = "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174"


class ChainContracts(BaseModel):
    """Where the gateway reads balances and where it sends merges and redeems."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: ConditionalTokens: ERC-1155 balances and payout vectors are read here.
    ctf: str
    #: Called for merge/redeem: the CTF itself or a collateral adapter with the same function shapes.
    target: str
    #: The ``collateralToken`` argument of mergePositions/redeemPositions.
    collateral_argument: str
    #: The collateral position ids are derived from (USDC.e on Polygon).
    position_collateral: str
    #: The ERC-20 that merges and redeems pay out, read by ``collateral_balance``.
    payout_token: str

    @field_validator("ctf", "target", "collateral_argument", "position_collateral", "payout_token")
    @classmethod
    def _checksum(cls, value: str) -> str:
        return to_checksum_address(value)

    @model_validator(mode="after")
    def _direct_ctf_uses_position_collateral(self) -> ChainContracts:
        if self.target == self.ctf and self.collateral_argument != self.position_collateral:
            raise ValueError(
                "calling the CTF directly with a collateral other than the position collateral "
                "targets position ids nobody holds (reference §8.3): merges revert, redeems pay nothing"
            )
        return self

    @classmethod
    def single_collateral(cls, ctf: str, collateral: str) -> ChainContracts:
        """One ERC-20 for everything, the CTF called directly: the emulator's chain."""
        return cls(
            ctf=ctf,
            target=ctf,
            collateral_argument=collateral,
            position_collateral=collateral,
            payout_token=collateral,
        )

    @classmethod
    def polygon_ctf_direct(cls) -> ChainContracts:
        """Live, without the adapter: USDC.e in and out (wrap it into pUSD afterwards)."""
        return cls.single_collateral(POLYGON_CTF, POLYGON_USDC_E)


@dataclass(frozen=True)
class MergeResult:
    intent_id: str
    condition_id: bytes
    #: Newly confirmed by this call: sent now, or sent by an attempt that died before its receipt.
    merged_micro: int
    #: Confirmed merged under this intent in total.
    done_micro: int
    tx_hash: str | None


@dataclass(frozen=True)
class RedeemResult:
    condition_id: bytes
    #: Collateral newly confirmed paid by this call (including a redeem an earlier attempt sent).
    payout_micro: int
    #: Confirmed paid by redeems of this condition in total.
    redeemed_total_micro: int
    #: Outcome tokens still held afterwards (both zero once redeemed).
    remaining: Balances
    tx_hash: str | None


class ChainGateway(Protocol):
    async def merge(self, condition_id: bytes, amount_micro: int, *, intent_id: str) -> MergeResult: ...

    async def redeem(self, condition_id: bytes) -> RedeemResult: ...

    async def balances(self, condition_id: bytes) -> Balances: ...

    async def collateral_balance(self) -> int: ...


class ChainReader:
    """Balance and payout reads of one holder (the EOA, or the proxy/Safe/deposit wallet)."""

    def __init__(self, w3: AsyncWeb3[Any], contracts: ChainContracts, holder: str) -> None:
        self.w3 = w3
        self.contracts = contracts
        self.holder = to_checksum_address(holder)
        self.ctf = w3.eth.contract(address=to_checksum_address(contracts.ctf), abi=abi.CTF_ABI)
        self.target = w3.eth.contract(address=to_checksum_address(contracts.target), abi=abi.POSITIONS_ABI)
        self.payout_token = w3.eth.contract(address=to_checksum_address(contracts.payout_token), abi=abi.ERC20_ABI)

    def position_ids(self, condition_id: bytes) -> tuple[int, int]:
        return ids.binary_position_ids(self.contracts.position_collateral, condition_id)

    async def balances(self, condition_id: bytes) -> Balances:
        up_id, down_id = self.position_ids(condition_id)
        up, down = await self.ctf.functions.balanceOfBatch([self.holder, self.holder], [up_id, down_id]).call()
        return Balances(int(up), int(down))

    async def payouts(self, condition_id: bytes) -> Payouts:
        denominator = int(await self.ctf.functions.payoutDenominator(condition_id).call())
        if denominator == 0:
            return Payouts(0, 0, 0)
        up = int(await self.ctf.functions.payoutNumerators(condition_id, 0).call())
        down = int(await self.ctf.functions.payoutNumerators(condition_id, 1).call())
        return Payouts(up, down, denominator)

    async def collateral_balance(self) -> int:
        return int(await self.payout_token.functions.balanceOf(self.holder).call())
