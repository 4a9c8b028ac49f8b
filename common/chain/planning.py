"""What to merge or redeem, decided from on-chain balances alone (pure, no I/O).

Both plans are idempotent by construction: they read what the chain holds now and what a persisted
intent has already achieved, so running them again after a crash, a retry or a duplicate message
plans nothing that has already happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from common.chain.ids import DOWN_INDEX_SET, UP_INDEX_SET


class Balances(NamedTuple):
    """Outcome-token balances of the holder, in micro-shares: unpacks as ``(up, down)``."""

    up_micro: int
    down_micro: int

    @property
    def full_sets_micro(self) -> int:
        return min(self.up_micro, self.down_micro)


@dataclass(frozen=True)
class Payouts:
    """The condition's payout vector: numerators of (Up, Down) and the denominator (0: unresolved)."""

    up: int
    down: int
    denominator: int

    @property
    def resolved(self) -> bool:
        return self.denominator > 0


@dataclass(frozen=True)
class RedeemPlan:
    index_sets: tuple[int, ...]
    #: Collateral the redeem pays, in micro-units (as the CTF computes it: Σ floor(balance·num/den)).
    payout_micro: int


NOTHING_TO_REDEEM = RedeemPlan(index_sets=(), payout_micro=0)


def plan_merge(requested_micro: int, balances: Balances, done_micro: int, pending_micro: int = 0) -> int:
    """Full sets to merge now: never more than held (min(up, down)), nor than the intent still owes.

    ``done_micro`` is what this intent has merged with a confirmed receipt; ``pending_micro`` what it
    has sent without a known outcome (the caller resolves those first; counting them here keeps the
    plan safe even if it does not).
    """
    owed = requested_micro - done_micro - pending_micro
    return max(0, min(owed, balances.full_sets_micro))


def plan_redeem(balances: Balances, payouts: Payouts) -> RedeemPlan:
    """Redeem only after resolution and only while a winning balance remains.

    The losing outcome is listed too when it is held, so the same transaction clears it (the CTF
    burns every listed position whole, paying zero for the loser).
    """
    if not payouts.resolved:
        return NOTHING_TO_REDEEM
    held = (
        (UP_INDEX_SET, balances.up_micro, payouts.up),
        (DOWN_INDEX_SET, balances.down_micro, payouts.down),
    )
    if not any(balance > 0 and numerator > 0 for _, balance, numerator in held):
        return NOTHING_TO_REDEEM
    index_sets = tuple(index_set for index_set, balance, _ in held if balance > 0)
    payout = sum(balance * numerator // payouts.denominator for _, balance, numerator in held)
    return RedeemPlan(index_sets=index_sets, payout_micro=payout)
