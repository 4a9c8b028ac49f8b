"""One signer's transactions, sent one at a time and persisted before they leave the process.

The per-address lock is held from the nonce read to the receipt, so nonces never collide within the
process. The signed transaction is written to the intent store before it is broadcast; on the next
attempt (or after a restart) :meth:`TxSender.settle` finds its receipt, rebroadcasts the very same
bytes if its nonce is still free, or drops it if another transaction took the nonce. A send whose
answer is lost is therefore never repeated as a new transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress, HexStr
from web3 import AsyncWeb3
from web3.exceptions import TransactionNotFound, Web3RPCError

from common.chain.intents import ChainIntent, IntentStore, SentTx
from common.chain.retry import Backoff, ChainConfigError, ChainError, ReceiptTimeout, SendOutcomeUnknown

#: A receipt not seen this long after sending makes the outcome unknown (then retried).
DEFAULT_RECEIPT_TIMEOUT_S = 60.0
#: Receipt polling interval (Polygon makes a block about every 2 s).
DEFAULT_RECEIPT_POLL_S = 1.0
#: Gas limit above the node's estimate, in percent (balances may move between estimate and mining).
DEFAULT_GAS_HEADROOM_PCT = 20


class TransactionReverted(ChainError):
    """The transaction was mined and reverted (not retried: the caller decides)."""


@dataclass(frozen=True)
class GatewaySettings:
    receipt_timeout_s: float = DEFAULT_RECEIPT_TIMEOUT_S
    receipt_poll_s: float = DEFAULT_RECEIPT_POLL_S
    gas_headroom_pct: int = DEFAULT_GAS_HEADROOM_PCT
    backoff: Backoff = field(default_factory=Backoff)


_SIGNER_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def signer_lock(address: str) -> asyncio.Lock:
    """The one lock of ``address`` in this event loop: every gateway of that signer shares it."""
    locks = _SIGNER_LOCKS.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault(address, asyncio.Lock())


class TxSender:
    """Builds, signs, persists, sends and confirms the transactions of one local account."""

    def __init__(
        self,
        w3: AsyncWeb3[Any],
        account: LocalAccount,
        address: ChecksumAddress,
        store: IntentStore,
        chain_id: int,
        settings: GatewaySettings,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.w3 = w3
        self._account = account
        self.address = address
        self.store = store
        self.chain_id = chain_id
        self.settings = settings
        self._sleep = sleep
        self._chain_checked = False

    def __repr__(self) -> str:
        return f"TxSender(address={self.address})"

    def lock(self) -> asyncio.Lock:
        return signer_lock(self.address)

    async def intent(
        self,
        intent_id: str,
        kind: Literal["merge", "redeem", "approve"],
        condition_id: bytes,
        requested_micro: int,
    ) -> ChainIntent:
        await self._check_chain()
        intent = await self.store.load(intent_id)
        if intent is None:
            intent = ChainIntent(
                intent_id=intent_id,
                kind=kind,
                condition_id=condition_id.hex(),
                requested_micro=requested_micro,
            )
            await self.store.save(intent)
        elif (intent.kind, intent.condition_id, intent.requested_micro) != (
            kind,
            condition_id.hex(),
            requested_micro,
        ):
            raise ValueError(f"intent {intent_id} was persisted with another request: {intent}")
        return intent

    async def _check_chain(self) -> None:
        if self._chain_checked:
            return
        actual = await self.w3.eth.chain_id
        if actual != self.chain_id:
            raise ChainConfigError(f"node is on chain {actual}, the gateway is configured for {self.chain_id}")
        self._chain_checked = True

    async def send(self, intent: ChainIntent, call: Any, amount_micro: int) -> tuple[ChainIntent, SentTx]:
        nonce = await self.w3.eth.get_transaction_count(self.address, "pending")
        gas = await call.estimate_gas({"from": self.address})
        tx = await call.build_transaction(
            {
                "from": self.address,
                "nonce": nonce,
                "chainId": self.chain_id,
                "gas": gas * (100 + self.settings.gas_headroom_pct) // 100,
            }
        )
        signed = self._account.sign_transaction(tx)
        sent = SentTx(
            tx_hash=signed.hash.to_0x_hex(),
            nonce=nonce,
            amount_micro=amount_micro,
            raw_tx=signed.raw_transaction.to_0x_hex(),
        )
        # Persisted before broadcasting: a crash after this line can always be reconciled.
        intent = intent.with_sent(sent)
        await self.store.save(intent)
        try:
            await self.w3.eth.send_raw_transaction(signed.raw_transaction)
        except Exception as exc:
            # Whatever happened in transit, the next attempt settles the persisted transaction.
            raise SendOutcomeUnknown(f"broadcast of {sent.tx_hash} failed: {exc!r}") from exc
        return intent, sent

    async def confirm(self, intent: ChainIntent, sent: SentTx) -> ChainIntent:
        receipt = await self._wait_receipt(sent.tx_hash)
        intent = intent.with_settled(sent.tx_hash, succeeded=receipt["status"] == 1)
        await self.store.save(intent)
        if receipt["status"] != 1:
            raise TransactionReverted(f"transaction {sent.tx_hash} reverted")
        return intent

    async def settle(self, intent: ChainIntent) -> tuple[ChainIntent, str | None]:
        """Resolve every transaction a previous attempt sent without seeing its receipt.

        Returns the intent and the hash of the last one found confirmed (None if none was).
        """
        confirmed: str | None = None
        for tx in intent.in_flight:
            receipt = await self._receipt(tx.tx_hash)
            if receipt is None:
                mined_nonce = await self.w3.eth.get_transaction_count(self.address, "latest")
                if mined_nonce > tx.nonce:
                    # The nonce went to another transaction (look once more: ours may just have landed).
                    receipt = await self._receipt(tx.tx_hash)
                    if receipt is None:
                        intent = intent.with_settled(tx.tx_hash, succeeded=False)
                        await self.store.save(intent)
                        continue
                else:
                    await self._rebroadcast(tx.raw_tx)
                    receipt = await self._wait_receipt(tx.tx_hash)
            succeeded = receipt["status"] == 1
            intent = intent.with_settled(tx.tx_hash, succeeded=succeeded)
            await self.store.save(intent)
            confirmed = tx.tx_hash if succeeded else confirmed
        return intent, confirmed

    async def _rebroadcast(self, raw_tx: str) -> None:
        """Send the very same signed bytes again: the chain includes them at most once."""
        # "already known" / "nonce too low" are fine: the receipt wait that follows decides.
        with contextlib.suppress(Web3RPCError):
            await self.w3.eth.send_raw_transaction(HexStr(raw_tx))

    async def _receipt(self, tx_hash: str) -> Any:
        try:
            return await self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return None

    async def _wait_receipt(self, tx_hash: str) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.receipt_timeout_s
        while True:
            receipt = await self._receipt(tx_hash)
            if receipt is not None:
                return receipt
            if loop.time() >= deadline:
                raise ReceiptTimeout(f"no receipt for {tx_hash} after {self.settings.receipt_timeout_s} s")
            await self._sleep(self.settings.receipt_poll_s)
