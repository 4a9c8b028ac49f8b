"""Reconciliation: local order state against a venue snapshot (open orders and recent trades).

Verdicts, never guesses: an order open on the venue is adopted (``LIVE``); an open order we do not
know is a stray and is cancelled; a local order missing from the venue is ``FILLED`` if a trade
names it, else ``CANCELED`` (dead-man, expiry); an unknown submit missing from a snapshot taken
``unknown_grace_ms`` after it is ``NOT_FOUND``. A market where the venue contradicts us (an order we
ended is open, two open orders in one slot, a trade of an order we never knew) is quarantined:
its orders are cancelled and nothing is placed there until a later snapshot finds it clean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from common.schemas.user import OrderEvent, UserTrade
from workers.executor.core.orders import OrderState, Slot
from workers.executor.core.tracker import OrderTracker


@dataclass(slots=True)
class ReconcilePlan:
    #: (order id, new state, reason)
    verdicts: list[tuple[str, OrderState, str]] = field(default_factory=list)
    #: Open orders of ours the executor does not know: cancel them.
    strays: list[OrderEvent] = field(default_factory=list)
    #: Orders still CANCELING that the venue shows open: send the cancel again.
    recancel: list[str] = field(default_factory=list)
    #: market → why it is quarantined
    quarantine: dict[str, str] = field(default_factory=dict)
    #: Orders of ours named by recent trades that we never knew (each quarantines its market once).
    unknown_traded: set[str] = field(default_factory=set)
    #: Markets where the venue shows orders of ours open, or that are quarantined.
    touched: set[str] = field(default_factory=set)


def our_order_ids(trades: Iterable[UserTrade], owner: str) -> dict[str, str]:
    """order id → market of every order of ours named in ``trades`` (taker or maker side)."""
    ids: dict[str, str] = {}
    for trade in trades:
        if trade.trader_side == "TAKER" or (trade.owner == owner and trade.trader_side is None):
            ids[trade.taker_order_id] = trade.market
        for maker in trade.maker_orders:
            if maker.owner == owner:
                ids[maker.order_id] = trade.market
    return ids


def plan_reconcile(tracker: OrderTracker, open_orders: list[OrderEvent], trades: list[UserTrade], *,
                   owner: str, snapshot_ms: int, grace_ms: int, known_since_ms: int, markets: set[str] | None = None,
                   acknowledged: frozenset[str] = frozenset(),
                   live_at_snapshot: frozenset[str] | None = None) -> ReconcilePlan:  # fmt: skip
    """``markets``: the markets the snapshot covers (None: all). ``known_since_ms``: trades matched
    before it may name orders the executor has forgotten, and prove nothing. ``acknowledged``:
    foreign order ids already dealt with (strays cancelled, unknown trades quarantined once).
    ``live_at_snapshot``: our orders that might rest when the snapshot was asked for; one of them
    that ended here since (a cancel answered while the snapshot was read) may still be in it."""
    plan = ReconcilePlan()
    covered = (lambda m: True) if markets is None else markets.__contains__
    venue_open = {o.order_id: o for o in open_orders if covered(o.market)}
    traded = our_order_ids((t for t in trades if covered(t.market)), owner)
    recent = our_order_ids((t for t in trades if covered(t.market) and (t.match_time_ms or 0) >= known_since_ms),
                           owner)  # fmt: skip
    seen_slots: dict[Slot, str] = {}
    for order_id, row in venue_open.items():
        local = tracker.get(order_id)
        if local is None:
            plan.strays.append(row)
            continue
        if not local.maybe_live:
            if live_at_snapshot is not None and order_id in live_at_snapshot:
                continue  # it ended here after the snapshot was asked for: the snapshot is older
            plan.quarantine[row.market] = f"order {order_id} is {local.state.value} here but open on the venue"
            continue
        other = seen_slots.setdefault(local.slot, order_id)
        if other != order_id:
            plan.quarantine[row.market] = f"two open orders in one slot: {other}, {order_id}"
        local.size_matched_micro = max(local.size_matched_micro, row.size_matched_micro)
        if local.state is OrderState.CANCELING:
            plan.recancel.append(order_id)
        elif local.state is not OrderState.LIVE:
            plan.verdicts.append((order_id, OrderState.LIVE, "open on the venue"))
    for order in tracker:
        if not order.maybe_live or order.order_id in venue_open or not covered(order.slot.market):
            continue
        if order.order_id in traded:
            plan.verdicts.append((order.order_id, OrderState.FILLED, "traded, no longer open"))
        elif order.state in (OrderState.LIVE, OrderState.CANCELING):
            plan.verdicts.append((order.order_id, OrderState.CANCELED, "no longer open on the venue"))
        elif (order.sent_ms or order.created_ms) + grace_ms <= snapshot_ms:
            plan.verdicts.append((order.order_id, OrderState.NOT_FOUND, "never landed on the venue"))
    for order_id, market in recent.items():
        if tracker.get(order_id) is None and order_id not in venue_open and order_id not in acknowledged:
            plan.unknown_traded.add(order_id)
            plan.quarantine.setdefault(market, f"a trade names order {order_id}, unknown here")
    plan.touched = {o.market for o in venue_open.values()} | set(plan.quarantine)
    return plan
