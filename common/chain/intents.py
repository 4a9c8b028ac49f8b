"""Persisted chain intents: what was asked, what is confirmed done, and what was sent unconfirmed.

An intent is written *before* its transaction is broadcast (with the signed raw transaction and its
hash), so a process that dies between sending and the receipt finds, on restart, exactly which
transaction may have landed: it looks up the receipt, rebroadcasts the same bytes if the nonce is
still free (the chain accepts one of them at most), or drops it if the nonce went to another.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field


class SentTx(BaseModel):
    """A signed transaction that was (or was about to be) broadcast. Public data, no secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tx_hash: str
    nonce: int = Field(ge=0)
    amount_micro: int = Field(ge=0)
    raw_tx: str


class ChainIntent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    intent_id: str
    kind: Literal["merge", "redeem", "approve"]
    condition_id: str
    #: Full sets the intent asks to merge in total (redeem intents: 0, they redeem what is held).
    requested_micro: int = Field(default=0, ge=0)
    #: Confirmed by a successful receipt.
    done_micro: int = Field(default=0, ge=0)
    in_flight: tuple[SentTx, ...] = ()

    @property
    def pending_micro(self) -> int:
        return sum(tx.amount_micro for tx in self.in_flight)

    def with_sent(self, tx: SentTx) -> ChainIntent:
        return self.model_copy(update={"in_flight": (*self.in_flight, tx)})

    def with_settled(self, tx_hash: str, succeeded: bool) -> ChainIntent:
        """Move ``tx_hash`` out of flight, counting its amount as done when it succeeded."""
        settled = [tx for tx in self.in_flight if tx.tx_hash == tx_hash]
        done = self.done_micro + (sum(tx.amount_micro for tx in settled) if succeeded else 0)
        rest = tuple(tx for tx in self.in_flight if tx.tx_hash != tx_hash)
        return self.model_copy(update={"in_flight": rest, "done_micro": done})


class IntentStore(Protocol):
    async def load(self, intent_id: str) -> ChainIntent | None: ...

    async def save(self, intent: ChainIntent) -> None: ...


class MemoryIntentStore:
    """For tests and for a process that accepts losing its in-flight record on a crash."""

    def __init__(self) -> None:
        self._intents: dict[str, ChainIntent] = {}

    async def load(self, intent_id: str) -> ChainIntent | None:
        return self._intents.get(intent_id)

    async def save(self, intent: ChainIntent) -> None:
        self._intents[intent.intent_id] = intent


class FileIntentStore:
    """One JSON file per intent, replaced atomically and fsynced, so a crash leaves old or new."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def _path(self, intent_id: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in intent_id)
        return self.directory / f"{safe}.json"

    async def load(self, intent_id: str) -> ChainIntent | None:
        path = self._path(intent_id)
        if not path.exists():
            return None
        text = await asyncio.to_thread(path.read_text)
        return ChainIntent.model_validate_json(text)

    async def save(self, intent: ChainIntent) -> None:
        await asyncio.to_thread(self._write, self._path(intent.intent_id), intent.model_dump_json())

    @staticmethod
    def _write(path: Path, text: str) -> None:
        staged = path.with_suffix(".tmp")
        with staged.open("w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staged, path)
