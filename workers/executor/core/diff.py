"""From an intent and the live orders of its market to the minimal plan of cancels and places.

A slot is (market, token, side, level). A live order is kept while it is within the churn
tolerance of the desired one; otherwise it is cancelled. With ``overlap``, its successor goes out
with the cancel when no order of ours rests at the new price (for a round trip the slot holds the
canceling order and its successor, never two orders at one price); otherwise, and always without
``overlap``, only once the cancel is confirmed (the slot is free again). A slot found holding two
orders (a cancel that failed) keeps the newest and cancels the rest. No new order ever joins an
order of ours at its price (token, side, price), whichever level that one is. Replaces are limited to
``max_replaces_per_s`` per market; cancels of orders no longer wanted are never limited, and
neither are defensive ones: a live order more exposed than desired (a BUY above the desired price,
a SELL below it, or a larger size) is cancelled at once, as an urgent cancel, whatever the replace
limiter says; only its successor waits for the limiter (or for the free slot). Orders whose state
is in doubt (submitting, unknown, canceling) are waited for.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from common.schemas.intent import ChurnTolerance, DesiredOrder, Intent
from workers.executor.core.orders import LocalOrder, OrderState, PlaceSpec, Slot
from workers.executor.core.tracker import OrderTracker

#: The window of the replace limiter, in ms.
REPLACE_WINDOW_MS = 1_000


@dataclass(slots=True)
class Plan:
    """What to do now for one market. ``cancels`` go first; ``places`` only into free slots."""

    market: str
    cancels: list[str] = field(default_factory=list)
    #: Cancels of orders being replaced (the rest are urgent or unwanted).
    replace_cancels: list[str] = field(default_factory=list)
    #: Urgent cancels of exposed orders whose successor is in ``places`` (a replace all the same).
    defensive: list[str] = field(default_factory=list)
    places: list[PlaceSpec] = field(default_factory=list)
    #: Slots waiting for an order in doubt, or for the replace limiter.
    waiting: int = 0


def exposed(live: LocalOrder, desired: DesiredOrder) -> bool:
    """The live order risks more than the quoter wants: a better price for the taker, or more size."""
    sign = 1 if desired.side == "BUY" else -1
    return sign * (desired.price_micro - live.price_micro) < 0 or live.remaining_micro > desired.size_micro


def needs_replace(live: LocalOrder, desired: DesiredOrder, churn: ChurnTolerance, tick_micro: int) -> bool:
    """The quoter's replace rule (``workers.quoter.core.churn.needs_replace``), for either side.

    A live order more aggressive than desired (a BUY above, a SELL below) is always replaced; a
    less aggressive one only once it is ``min_move_ticks`` away. A live order larger than desired
    is always replaced; a smaller one (partly filled) once the gap passes ``min_size_change_ppm``.
    """
    sign = 1 if desired.side == "BUY" else -1
    behind = sign * (desired.price_micro - live.price_micro)
    if behind < 0 or behind >= churn.min_move_ticks * tick_micro:
        return True
    live_size = live.remaining_micro
    if live_size > desired.size_micro:
        return True
    gap = desired.size_micro - live_size
    return gap * 1_000_000 > churn.min_size_change_ppm * max(1, desired.size_micro)


class ReplaceLimiter:
    """At most ``max_per_s`` replaces per market in any 1-s window."""

    def __init__(self) -> None:
        self._stamps: dict[str, deque[int]] = {}

    def room(self, market: str, max_per_s: int, now_ms: int) -> int:
        stamps = self._stamps.setdefault(market, deque())
        while stamps and stamps[0] <= now_ms - REPLACE_WINDOW_MS:
            stamps.popleft()
        return max(0, max_per_s - len(stamps))

    def note(self, market: str, now_ms: int) -> None:
        self._stamps.setdefault(market, deque()).append(now_ms)


def slot_of(intent: Intent, desired: DesiredOrder) -> Slot:
    return Slot(intent.condition_id, desired.token_id, desired.side, desired.level)


def diff(intent: Intent, desired: list[DesiredOrder], tracker: OrderTracker, limiter: ReplaceLimiter,
         now_ms: int, *, rejected: frozenset[Slot] = frozenset(), tick_ms: float | None = None,
         overlap: bool = False) -> Plan:  # fmt: skip
    """The plan for ``intent``'s market given ``desired`` (the ladder after mode filtering).

    ``rejected``: slots whose order this intent already saw rejected (never retried for it).
    ``overlap``: a replace at a new price places with its cancel instead of after it.
    """
    market = intent.condition_id
    plan = Plan(market)
    wanted = {slot_of(intent, d): d for d in desired}
    resting = tracker.of_market(market)
    # Where our maybe-live orders are: no new order joins one of them at its price.
    prices = {(o.slot.token_id, o.slot.side, o.price_micro) for o in resting}
    for order in resting:
        if order.slot.taker_of:
            continue
        if order.slot not in wanted and order.state in (OrderState.LIVE, OrderState.UNKNOWN):
            plan.cancels.append(order.order_id)
    replaces = limiter.room(market, intent.churn.max_replaces_per_s, now_ms)
    for slot, want in wanted.items():
        if slot in rejected:
            continue
        present = tracker.in_slot(slot)
        if not present:
            at = (slot.token_id, slot.side, want.price_micro)
            if at in prices:  # another level's order still rests there (its cancel or replace pending)
                plan.waiting += 1
                continue
            plan.places.append(_spec(intent, slot, want, tick_ms, replace=False))
            prices.add(at)
            continue
        if len(present) > 1:
            # A replace's pair: wait for the old one's cancel; if it failed, keep only the newest.
            plan.cancels += [o.order_id for o in present[:-1] if o.state in (OrderState.LIVE, OrderState.UNKNOWN)]
            plan.waiting += 1
            continue
        order = present[0]
        if order.state is not OrderState.LIVE:
            plan.waiting += 1
            continue
        if not needs_replace(order, want, intent.churn, intent.tick_micro):
            continue
        defensive = exposed(order, want)
        if replaces <= 0:
            plan.waiting += 1
            if defensive:  # pulled now; its successor goes into the free slot later
                plan.cancels.append(order.order_id)
            continue
        replaces -= 1
        limiter.note(market, now_ms)
        plan.cancels.append(order.order_id)
        if not defensive:
            plan.replace_cancels.append(order.order_id)
        if overlap and (slot.token_id, slot.side, want.price_micro) not in prices:
            if defensive:
                plan.defensive.append(order.order_id)
            plan.places.append(_spec(intent, slot, want, tick_ms, replace=True))
            prices.add((slot.token_id, slot.side, want.price_micro))
    return plan


def _spec(intent: Intent, slot: Slot, want: DesiredOrder, tick_ms: float | None, *, replace: bool) -> PlaceSpec:
    return PlaceSpec(slot, intent.intent_id, want.price_micro, want.size_micro, want.order_type,
                     want.post_only, intent.tick_micro, tick_ms, replace, intent.protocol_v2)  # fmt: skip
