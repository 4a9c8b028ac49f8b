"""Persisted chain intents: what was sent survives a restart, and settling counts it once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from common.chain.intents import ChainIntent, FileIntentStore, SentTx
from common.chain.sender import signer_lock


def _sent(tx_hash: str, amount_micro: int, nonce: int = 0) -> SentTx:
    return SentTx(tx_hash=tx_hash, nonce=nonce, amount_micro=amount_micro, raw_tx="0x02f8")


async def test_an_intent_saved_before_the_send_is_read_back_by_a_new_store_on_the_same_directory(
    tmp_path: Path,
) -> None:
    # Arrange
    intent = ChainIntent(intent_id="w1:merge:1", kind="merge", condition_id="ab" * 32, requested_micro=2_000_000)
    await FileIntentStore(tmp_path).save(intent.with_sent(_sent("0xaa", 2_000_000)))

    # Act
    restored = await FileIntentStore(tmp_path).load("w1:merge:1")

    # Assert
    assert restored is not None
    assert restored.pending_micro == 2_000_000
    assert restored.in_flight[0].tx_hash == "0xaa"
    assert await FileIntentStore(tmp_path).load("w1:merge:2") is None


def test_settling_counts_a_confirmed_send_once_and_a_failed_one_not_at_all() -> None:
    # Arrange
    intent = ChainIntent(intent_id="i", kind="merge", condition_id="00", requested_micro=5)
    intent = intent.with_sent(_sent("0x01", 3, nonce=1)).with_sent(_sent("0x02", 2, nonce=2))

    # Act
    settled = intent.with_settled("0x01", succeeded=True).with_settled("0x02", succeeded=False)
    again = settled.with_settled("0x01", succeeded=True)

    # Assert
    assert (settled.done_micro, settled.in_flight) == (3, ())
    assert again.done_micro == 3


async def test_every_gateway_of_one_signer_shares_one_lock_so_sends_queue() -> None:
    # Arrange
    order: list[str] = []

    async def send(name: str) -> None:
        async with signer_lock("0xSigner"):
            order.append(f"{name}:start")
            await asyncio.sleep(0.01)
            order.append(f"{name}:end")

    # Act
    await asyncio.gather(send("a"), send("b"))

    # Assert
    assert signer_lock("0xSigner") is signer_lock("0xSigner")
    assert signer_lock("0xOther") is not signer_lock("0xSigner")
    assert order == ["a:start", "a:end", "b:start", "b:end"]
