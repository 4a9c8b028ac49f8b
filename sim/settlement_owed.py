"""What settlement owes: one account's balance changes not yet on chain, and the bridge's counters.

Pure bookkeeping, shared by the bridge (on the server's loop) and the chain's side of settlement
(on the chain's thread); nothing here touches the exchange or the chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.chain.protocol_v2 import is_v2_token
from sim.exchange.orders import LedgerEntry


def by_contract(amounts: dict[str, int]) -> list[dict[str, int]]:
    """``amounts`` split by the ERC-1155 holding each token: CTF position ids, then Protocol V2 ones."""
    ctf = {t: q for t, q in amounts.items() if not is_v2_token(int(t))}
    v2 = {t: q for t, q in amounts.items() if is_v2_token(int(t))}
    return [group for group in (ctf, v2) if group]


@dataclass
class Owed:
    """Balance changes of one account not (yet) on chain, signed as the account sees them."""

    cash_micro: int = 0
    tokens_micro: dict[str, int] = field(default_factory=dict)

    def add(self, entry: LedgerEntry) -> None:
        self.cash_micro += entry.cash_delta_micro
        if entry.shares_delta_micro:
            self.tokens_micro[entry.token_id] = self.tokens_micro.get(entry.token_id, 0) + entry.shares_delta_micro

    @property
    def empty(self) -> bool:
        return not self.cash_micro and not any(self.tokens_micro.values())


@dataclass
class SettlementStats:
    trades: int = 0
    transactions: int = 0
    failed_transactions: int = 0
    settle_s: float = 0.0
    syncs: int = 0
    sync_s: float = 0.0
    corrections: int = 0
    orders_released: int = 0

    def as_json(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.__dict__.items()}
