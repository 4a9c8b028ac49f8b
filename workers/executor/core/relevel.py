"""A ladder that shifts keeps the orders still at a wanted price, at their new level.

Slots are levels, and a quoter that moves its ladder by a tick wants, at each level, the price the
level beside it had: planned slot by slot, every level is a replace (a cancel and a new order),
and since no new order joins one of ours at its price, each new order waits for the answer to the
cancel of the order at its price. Before the slot-by-slot plan, :func:`relevel` moves each acknowledged
order whose price (token, side) the ladder still wants at another level into that level's slot,
keeping it on the book and its place in the venue's queue; the orders no price wants take the slots
left over, in ladder order, where the plan replaces them. A one-tick shift of an n-level side is
then one replace, not n.

Only where nothing is in doubt: every order of ours on that token and side acknowledged (``LIVE``)
and alone in its slot; otherwise that side is planned slot by slot, as before. Orders keep their
price and size: a move creates nothing, so never two orders at one price, never two in one slot.
"""

from __future__ import annotations

from collections import defaultdict

from common.schemas.intent import DesiredOrder, Intent
from workers.executor.core.diff import needs_replace, slot_of
from workers.executor.core.orders import LocalOrder, OrderState, Slot
from workers.executor.core.tracker import OrderTracker


def relevel(intent: Intent, desired: list[DesiredOrder], tracker: OrderTracker) -> list[str]:
    """Move the market's orders to the levels that want their prices; returns the ids moved."""
    wanted: dict[tuple[str, str], dict[Slot, DesiredOrder]] = defaultdict(dict)
    for d in desired:
        slot = slot_of(intent, d)
        if not slot.taker_of:
            wanted[(slot.token_id, slot.side)][slot] = d
    resting: dict[tuple[str, str], list[LocalOrder]] = defaultdict(list)
    for order in tracker.of_market(intent.condition_id):
        if not order.slot.taker_of:
            resting[(order.slot.token_id, order.slot.side)].append(order)
    moves: dict[str, Slot] = {}
    for side, orders in resting.items():
        moves.update(_side_moves(intent, wanted.get(side, {}), orders))
    tracker.move(moves)
    return list(moves)


def _side_moves(intent: Intent, wanted: dict[Slot, DesiredOrder], orders: list[LocalOrder]) -> dict[str, Slot]:
    """The new slot of each order of one token and side that moves (none when anything is in doubt)."""
    slots = [o.slot for o in orders]
    if any(o.state is not OrderState.LIVE or o.slot not in wanted for o in orders) or len(set(slots)) < len(slots):
        return {}
    at_price = {d.price_micro: slot for slot, d in wanted.items()}
    target: dict[str, Slot] = {}
    for order in orders:
        slot = at_price.get(order.price_micro)
        want = wanted.get(slot) if slot is not None else None
        if want is not None and slot is not None and order.order_type == want.order_type \
                and not needs_replace(order, want, intent.churn, intent.tick_micro):  # fmt: skip
            target[order.order_id] = slot
    if all(target.get(o.order_id, o.slot) == o.slot for o in orders):
        return {}
    taken = set(target.values())
    free = sorted((s for s in wanted if s not in taken), key=lambda s: s.level)
    rest = sorted((o for o in orders if o.order_id not in target), key=lambda o: o.slot.level)
    if len(taken) < len(target) or len(free) < len(rest):
        return {}  # two orders at one price: not ours to sort out here
    target.update((o.order_id, slot) for o, slot in zip(rest, free, strict=False))
    return {o.order_id: target[o.order_id] for o in orders if target[o.order_id] != o.slot}
