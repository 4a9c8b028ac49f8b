"""The quoter's output for one window: the full desired state of our orders, and taker orders.

The maker ladder is *desired state*: the executor diffs it against the live orders within the
churn tolerance the intent carries. Taker orders (completion, complete set) are one-shot.
"""

from __future__ import annotations

from typing import Literal

from common.schemas.base import Message

OutcomeName = Literal["UP", "DOWN"]


class DesiredOrder(Message):
    """One resting post-only order we want on the book."""

    outcome: OutcomeName
    token_id: str
    side: Literal["BUY", "SELL"] = "BUY"
    price_micro: int
    size_micro: int
    #: 0 is the best level of that outcome.
    level: int
    post_only: bool = True
    order_type: Literal["GTC", "GTD"] = "GTC"


class TakerOrder(Message):
    """A marketable order: pair an unpaired holding, or buy a full set below $1."""

    kind: Literal["completion", "complete_set"]
    outcome: OutcomeName
    token_id: str
    side: Literal["BUY", "SELL"] = "BUY"
    #: The worst price accepted.
    price_cap_micro: int
    size_micro: int
    order_type: Literal["FOK", "FAK"]
    #: Profit per share after fees expected at the cap.
    edge_micro: int


class ChurnTolerance(Message):
    """How far a live order may differ from the desired one before the executor replaces it."""

    min_move_ticks: int
    min_size_change_ppm: int
    max_replaces_per_s: int


class Intent(Message):
    """Everything the quoter wants for one window now."""

    TYPE = "intent"
    VERSION = 1

    #: A hash of the inputs that made it: the same inputs give the same id.
    intent_id: str
    series: str
    slug: str
    condition_id: str
    tick_micro: int
    #: The market is Protocol V2: orders are signed for ExchangeV3 under EIP-712 domain "3".
    protocol_v2: bool = False
    created_ms: int
    valid_until_ms: int
    mode: Literal["ACTIVE", "REDUCE_ONLY", "HALTED"]
    regime: str
    #: Why the ladder is what it is (``quoting``, ``stale_oracle``, ``daily_loss_limit``, ...).
    reason: str
    #: The most paid for one Up plus one Down at level 0.
    target_total_micro: int
    orders: tuple[DesiredOrder, ...] = ()
    takers: tuple[TakerOrder, ...] = ()
    churn: ChurnTolerance
    #: Decided on a signal whose frame moved the fair value beyond the threshold (``Signal.fair_move``):
    #: the executor times the cancels of the orders it exposed (``tick_to_cancel``).
    fair_move: bool = False
