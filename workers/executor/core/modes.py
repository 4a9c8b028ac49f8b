"""HALTED and REDUCE_ONLY applied to an intent's ladder: what may be wanted in each mode.

The stricter of the executor's mode (from control, persisted) and the intent's own mode wins.
HALTED wants nothing (every order is cancelled; cancels always go out). REDUCE_ONLY keeps sells,
and buys only of the outcome that pairs an unpaired holding, up to that holding, level by level;
with the holding unknown, no buys at all.
"""

from __future__ import annotations

from typing import Literal

from common.schemas.intent import DesiredOrder, Intent

Mode = Literal["ACTIVE", "REDUCE_ONLY", "HALTED"]
_SEVERITY = {"ACTIVE": 0, "REDUCE_ONLY": 1, "HALTED": 2}


def effective_mode(executor_mode: Mode, intent: Intent) -> Mode:
    return intent.mode if _SEVERITY[intent.mode] > _SEVERITY[executor_mode] else executor_mode


def allowed_orders(intent: Intent, mode: Mode, excess_up_micro: int | None) -> list[DesiredOrder]:
    """``excess_up_micro``: Up minus Down held in the window (None when unknown)."""
    if mode == "HALTED":
        return []
    if mode == "ACTIVE":
        return list(intent.orders)
    room = {"UP": max(0, -(excess_up_micro or 0)), "DOWN": max(0, excess_up_micro or 0)}
    kept = []
    for order in sorted(intent.orders, key=lambda o: o.level):
        if order.side == "SELL":
            kept.append(order)
        elif excess_up_micro is not None and order.size_micro <= room[order.outcome]:
            room[order.outcome] -= order.size_micro
            kept.append(order)
    return kept
