"""The EOA gateway: merges and redeems signed locally and sent through web3, exactly once.

The private key never leaves this object (``SecretStr`` in, a ``LocalAccount`` kept private, no
repr of it). Transactions go through a :class:`~common.chain.sender.TxSender`: one at a time per
signer, persisted before broadcast. Every attempt first settles what a previous attempt (or a
previous process) left in flight, then re-reads the chain and re-plans, so retries and restarts
after a crash between send and receipt never merge or redeem twice.
"""

from __future__ import annotations

import asyncio
import random
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from eth_account import Account
from eth_utils.address import to_checksum_address
from pydantic import SecretStr
from web3 import AsyncWeb3

from common.chain.gateway import ChainContracts, ChainReader, MergeResult, RedeemResult
from common.chain.ids import BINARY_PARTITION, ZERO_COLLECTION
from common.chain.intents import IntentStore
from common.chain.planning import Balances, plan_merge, plan_redeem
from common.chain.retry import RedeemNoOp, with_retries
from common.chain.sender import GatewaySettings, TransactionReverted, TxSender, signer_lock

__all__ = ["EoaGateway", "GatewaySettings", "SignerGateway", "TransactionReverted", "signer_lock"]

T = TypeVar("T")


class SignerGateway(ABC):
    """What every gateway signing with a local key shares: its address, the one :class:`TxSender` of
    that signer, and the retried public actions; subclasses plan and send one attempt of each."""

    def __init__(
        self,
        w3: AsyncWeb3[Any],
        private_key: SecretStr,
        store: IntentStore,
        *,
        chain_id: int,
        settings: GatewaySettings | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        account = Account.from_key(private_key.get_secret_value())
        self.address = to_checksum_address(account.address)
        self.settings = settings or GatewaySettings()
        self._tx = TxSender(w3, account, self.address, store, chain_id, self.settings, sleep)
        self._rng = rng or random.Random()
        self._sleep = sleep

    async def merge(self, condition_id: bytes, amount_micro: int, *, intent_id: str) -> MergeResult:
        """Merge up to ``amount_micro`` full sets in total under ``intent_id`` (idempotent)."""
        return await self._retrying(lambda: self._merge_once(condition_id, amount_micro, intent_id))

    async def redeem(self, condition_id: bytes) -> RedeemResult:
        """Redeem every held position of a resolved condition once a winning balance remains."""
        return await self._retrying(lambda: self._redeem_once(condition_id))

    async def ensure_target_approved(self) -> str | None:
        """Approve the contract that merges and redeems to move our tokens, if it must be."""
        return await self._retrying(self._approve_once)

    async def _retrying(self, action: Callable[[], Awaitable[T]]) -> T:
        return await with_retries(action, self.settings.backoff, self._rng, self._sleep)

    @abstractmethod
    async def balances(self, condition_id: bytes) -> Balances:
        """Each gateway's own (its contracts)."""

    @abstractmethod
    def _merge_call(self, condition_id: bytes, amount_micro: int) -> Any:
        """The contract call that merges ``amount_micro`` full sets of ``condition_id``."""

    async def _merge_once(self, condition_id: bytes, amount_micro: int, intent_id: str) -> MergeResult:
        async with self._tx.lock():
            intent = await self._tx.intent(intent_id, "merge", condition_id, amount_micro)
            done_before = intent.done_micro
            intent, tx_hash = await self._tx.settle(intent)
            balances = await self.balances(condition_id)
            amount = plan_merge(intent.requested_micro, balances, intent.done_micro, intent.pending_micro)
            if amount > 0:
                intent, sent = await self._tx.send(intent, self._merge_call(condition_id, amount), amount)
                intent = await self._tx.confirm(intent, sent)
                tx_hash = sent.tx_hash
            return MergeResult(intent_id, condition_id, intent.done_micro - done_before, intent.done_micro, tx_hash)

    @abstractmethod
    async def _redeem_once(self, condition_id: bytes) -> RedeemResult:
        """Each gateway's own (its contracts)."""

    @abstractmethod
    async def _approve_once(self) -> str | None:
        """Each gateway's own (its contracts)."""


class EoaGateway(SignerGateway):
    """A plain EOA calling ``contracts.target`` (the CTF, or the collateral adapter) and paying gas."""

    def __init__(
        self,
        w3: AsyncWeb3[Any],
        private_key: SecretStr,
        contracts: ChainContracts,
        store: IntentStore,
        *,
        chain_id: int,
        settings: GatewaySettings | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(w3, private_key, store, chain_id=chain_id, settings=settings, rng=rng, sleep=sleep)
        self.contracts = contracts
        self.reader = ChainReader(w3, contracts, self.address)

    def __repr__(self) -> str:
        return f"EoaGateway(address={self.address}, target={self.contracts.target})"

    # --- reads -------------------------------------------------------------------------------

    async def balances(self, condition_id: bytes) -> Balances:
        return await self.reader.balances(condition_id)

    async def collateral_balance(self) -> int:
        return await self.reader.collateral_balance()

    # --- actions -----------------------------------------------------------------------------

    def _merge_call(self, condition_id: bytes, amount_micro: int) -> Any:
        return self.reader.target.functions.mergePositions(
            self.contracts.collateral_argument, ZERO_COLLECTION, condition_id, list(BINARY_PARTITION), amount_micro
        )

    async def _redeem_once(self, condition_id: bytes) -> RedeemResult:
        async with self._tx.lock():
            intent = await self._tx.intent(f"redeem:{condition_id.hex()}", "redeem", condition_id, 0)
            done_before = intent.done_micro
            intent, tx_hash = await self._tx.settle(intent)
            before = await self.reader.balances(condition_id)
            plan = plan_redeem(before, await self.reader.payouts(condition_id))
            after = before
            if plan.index_sets:
                call = self.reader.target.functions.redeemPositions(
                    self.contracts.collateral_argument, ZERO_COLLECTION, condition_id, list(plan.index_sets)
                )
                intent, sent = await self._tx.send(intent, call, plan.payout_micro)
                intent = await self._tx.confirm(intent, sent)
                tx_hash = sent.tx_hash
                after = await self.reader.balances(condition_id)
                if sum(after) >= sum(before):
                    raise RedeemNoOp(f"redeem {sent.tx_hash} burned nothing: check the collateral argument (§8.3)")
            return RedeemResult(condition_id, intent.done_micro - done_before, intent.done_micro, after, tx_hash)

    async def _approve_once(self) -> str | None:
        target = self.contracts.target
        if target == self.contracts.ctf:
            return None
        async with self._tx.lock():
            intent = await self._tx.intent(f"approve:{target}", "approve", b"", 0)
            intent, _ = await self._tx.settle(intent)
            if await self.reader.ctf.functions.isApprovedForAll(self.address, target).call():
                return None
            intent, sent = await self._tx.send(intent, self.reader.ctf.functions.setApprovalForAll(target, True), 0)
            await self._tx.confirm(intent, sent)
            return sent.tx_hash
