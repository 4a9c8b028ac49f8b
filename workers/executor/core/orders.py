"""The executor's local record of one order, and the slot it fills."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

Side = Literal["BUY", "SELL"]


@dataclass(frozen=True, slots=True)
class Slot:
    """A place in the desired ladder: at most one order of ours may be alive in it."""

    market: str
    token_id: str
    side: Side
    #: Ladder level; takers use ``-1 - index`` under their intent id (``taker_of``).
    level: int
    taker_of: str = ""


class OrderState(Enum):
    SUBMITTING = "submitting"  # hash recorded, POST in flight
    LIVE = "live"  # acknowledged, seen on the feed, or adopted
    UNKNOWN = "unknown"  # the submit's answer was lost: resolved only by hash
    CANCELING = "canceling"  # a cancel is in flight or its answer was lost
    REJECTED = "rejected"  # terminal: business rejection
    NOT_SENT = "not_sent"  # terminal: refused before the venue took it (429, 425, 503, refused connection)
    CANCELED = "canceled"  # terminal
    FILLED = "filled"  # terminal: fully matched
    NOT_FOUND = "not_found"  # terminal: an unknown submit that the venue never took


#: States in which the order may be on the book: its slot is taken.
MAYBE_LIVE = frozenset({OrderState.SUBMITTING, OrderState.LIVE, OrderState.UNKNOWN, OrderState.CANCELING})


@dataclass(slots=True)
class LocalOrder:
    order_id: str
    slot: Slot
    intent_id: str
    price_micro: int
    size_micro: int
    order_type: str
    state: OrderState
    created_ms: int
    size_matched_micro: int = 0
    #: When the POST went out (and when it was answered): for the grace of unknowns and latency.
    sent_ms: int | None = None
    ack_ms: int | None = None
    #: Stamp of the feed event behind the intent (tick-to-order, tick-to-ack).
    tick_ms: float | None = None
    replace: bool = False
    reason: str = ""
    post_only: bool = False

    @property
    def remaining_micro(self) -> int:
        return max(0, self.size_micro - self.size_matched_micro)

    @property
    def maybe_live(self) -> bool:
        return self.state in MAYBE_LIVE


@dataclass(frozen=True, slots=True)
class PlaceSpec:
    """An order to sign and post: the loop signs it, ``OrderTracker.submitting`` records the hash."""

    slot: Slot
    intent_id: str
    price_micro: int
    size_micro: int
    order_type: Literal["GTC", "GTD", "FOK", "FAK"]
    post_only: bool
    tick_micro: int
    tick_ms: float | None = None
    replace: bool = False
    #: Sign for ExchangeV3 (a Protocol V2 market) rather than the CTF Exchange V2.
    protocol_v2: bool = False
