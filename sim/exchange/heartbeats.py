"""The heartbeat dead-man switch: chained ids per API key, armed by the first heartbeat."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass


@dataclass
class _Chain:
    expected_id: str
    last_ms: int


class Heartbeats:
    def __init__(self, rng: random.Random, timeout_ms: int) -> None:
        self._rng = rng
        self._timeout_ms = timeout_ms
        self._chains: dict[str, _Chain] = {}

    def beat(self, owner: str, heartbeat_id: str, now_ms: int) -> tuple[bool, str]:
        """Returns (accepted, id): the next id to send, or the expected one when rejected."""
        chain = self._chains.get(owner)
        if chain is not None and heartbeat_id != chain.expected_id:
            return False, chain.expected_id
        if chain is None and heartbeat_id:
            # an unknown id for an unarmed key: the venue only accepts "" to start a chain
            return False, ""
        next_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        self._chains[owner] = _Chain(expected_id=next_id, last_ms=now_ms)
        return True, next_id

    def expired(self, now_ms: int) -> list[str]:
        """Keys whose heartbeat lapsed; they are disarmed (a new chain starts from "")."""
        dead = [owner for owner, c in self._chains.items() if now_ms - c.last_ms > self._timeout_ms]
        for owner in dead:
            del self._chains[owner]
        return dead

    def armed(self, owner: str) -> bool:
        return owner in self._chains
