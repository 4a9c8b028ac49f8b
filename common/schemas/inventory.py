"""The merger's results: full sets merged back into collateral, winners redeemed after resolution.

Written by the merger on ``inventory`` once the chain has confirmed the action; read by the
ledger (a merge realizes PnL and frees collateral, a redeem realizes the window).
"""

from __future__ import annotations

from typing import Literal

from common.schemas.base import Message


class InventoryAction(Message):
    TYPE = "inventory.action"
    VERSION = 1

    kind: Literal["merge", "redeem"]
    #: The market (condition id) and the window's slug.
    market: str
    slug: str = ""
    #: Idempotence key of the action (the merger's persisted intent id): the ledger applies it once.
    op_id: str
    #: merge: full sets burned (= collateral returned); redeem: 0.
    sets_micro: int = 0
    #: Collateral received (merge: sets_micro; redeem: the winning balance's payout).
    collateral_micro: int
    #: Token balances burned per outcome (Up, Down).
    burned_up_micro: int = 0
    burned_down_micro: int = 0
    tx_hash: str = ""
    confirmed_ms: int
