"""Every order's state, from the hash recorded before the POST to a terminal state.

The order id is the EIP-712 hash computed before sending, so a lost answer leaves a known id in
``UNKNOWN``: the user feed's order events or a venue snapshot (``reconcile``) resolve it, never a
second signed order. Slots are what the diff sees: a slot with an order in ``MAYBE_LIVE`` is taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from common.clob.client import CancelResult, OrderResult
from common.errors import NetworkError, RateLimited, UnknownOutcome, VenueBusy, VenueServerError
from common.schemas.exec import ExecReport
from common.schemas.user import OrderEvent
from workers.executor.core.orders import MAYBE_LIVE, LocalOrder, OrderState, PlaceSpec, Slot

#: Order-event statuses after which the order can no longer trade.
_TERMINAL_EVENT = {"CANCELED": OrderState.CANCELED, "INVALID": OrderState.CANCELED,
                   "UNMATCHED": OrderState.CANCELED, "MATCHED": OrderState.FILLED}  # fmt: skip


class OrderTracker:
    def __init__(self) -> None:
        self._orders: dict[str, LocalOrder] = {}
        #: The ids of each slot's orders that may be live, oldest first (a dict: ordered, unlike a
        #: set): a slot's ended orders leave it, or every plan would walk them (minutes of replaces).
        self._by_slot: dict[Slot, dict[str, None]] = {}
        #: Each order's place in ``_orders`` (the order queries answer in).
        self._rank: dict[str, int] = {}
        self._added = 0
        #: The ids of the orders that may be live (``maybe_live``), with their rank: the per-intent
        #: queries read these few, not every order kept for late events (minutes of ended ones).
        #: Every state change goes through :meth:`_set_state`, which keeps it.
        self._open: dict[str, int] = {}

    # -- queries ----------------------------------------------------------------------------------

    def get(self, order_id: str) -> LocalOrder | None:
        return self._orders.get(order_id)

    def __iter__(self) -> Iterator[LocalOrder]:
        return iter(list(self._orders.values()))

    def in_slot(self, slot: Slot) -> list[LocalOrder]:
        """Orders of the slot that may be on the book, oldest first."""
        return [o for i in self._by_slot.get(slot, ()) if (o := self._orders[i]).maybe_live]

    def of_market(self, market: str) -> list[LocalOrder]:
        """The market's orders that may be live, oldest first."""
        ids = sorted((rank, i) for i, rank in self._open.items() if self._orders[i].slot.market == market)
        return [self._orders[i] for _, i in ids]

    def count(self, *states: OrderState) -> int:
        among = self._open if MAYBE_LIVE.issuperset(states) else self._orders
        return sum(1 for i in among if self._orders[i].state in states)

    def move(self, slots: dict[str, Slot]) -> None:
        """Put each order in its new slot (``relevel``: a permutation of a side's slots, all at once)."""
        moving = [self._orders[i] for i in slots]
        for order in moving:
            self._unslot(order)
        for order in moving:
            order.slot = slots[order.order_id]
            self._slot_in(order)

    # -- our own requests -------------------------------------------------------------------------

    def has_room(self, spec: PlaceSpec) -> bool:
        """Whether ``spec`` may go into its slot: an empty one or, for a replace's successor at
        another price, one whose only order is being cancelled."""
        taken = self.in_slot(spec.slot)
        if not taken:
            return True
        old = taken[0]
        return (spec.replace and len(taken) == 1 and old.state is OrderState.CANCELING
                and old.price_micro != spec.price_micro)  # fmt: skip

    def submitting(self, spec: PlaceSpec, order_id: str, now_ms: int) -> LocalOrder:
        """Record the hash of a signed order before its POST; refuses a second order in a taken slot,
        but for a replace's successor at another price while the one order there is being cancelled."""
        if not self.has_room(spec):
            raise ValueError(f"slot {spec.slot} is taken: refusing a second order in it")
        if order_id in self._orders:
            raise ValueError(f"order {order_id} was already submitted once")
        order = LocalOrder(order_id, spec.slot, spec.intent_id, spec.price_micro, spec.size_micro,
                           spec.order_type, OrderState.SUBMITTING, now_ms, sent_ms=now_ms,
                           tick_ms=spec.tick_ms, replace=spec.replace, post_only=spec.post_only)  # fmt: skip
        self._orders[order_id] = order
        self._by_slot.setdefault(spec.slot, {})[order_id] = None
        self._rank[order_id] = self._open[order_id] = self._added
        self._added += 1
        return order

    def on_post_results(self, results: Iterable[OrderResult], now_ms: int) -> list[ExecReport]:
        reports = []
        for result in results:
            order = self._orders.get(result.expected_id)
            if order is None or order.state is not OrderState.SUBMITTING:
                continue
            order.ack_ms = now_ms
            if result.accepted:
                taker = order.order_type in ("FOK", "FAK")
                self._set_state(order, OrderState.FILLED if taker else OrderState.LIVE)
                reports.append(_report(order, "placed", now_ms, result.status))
            else:
                order.reason = result.error_msg
                self._set_state(order, OrderState.REJECTED)
                reports.append(_report(order, "rejected", now_ms, result.error_msg))
        return reports

    def on_post_error(self, order_ids: Iterable[str], exc: BaseException, now_ms: int) -> list[ExecReport]:
        """The whole batch failed: refused before the engine (slot freed, reported ``not_sent``: neither
        a rejection nor a cancelled quote), or unknown (slot kept)."""
        ambiguous = isinstance(exc, UnknownOutcome | VenueServerError)
        refused = isinstance(exc, RateLimited | VenueBusy | NetworkError)
        reports = []
        for order_id in order_ids:
            order = self._orders.get(order_id)
            if order is None or order.state is not OrderState.SUBMITTING:
                continue
            order.reason = str(exc)
            if ambiguous:
                self._set_state(order, OrderState.UNKNOWN)
                reports.append(_report(order, "unknown", now_ms, str(exc)))
            else:
                self._set_state(order, OrderState.NOT_SENT if refused else OrderState.REJECTED)
                kind = "not_sent" if refused else "rejected"
                reports.append(_report(order, kind, now_ms, f"not sent: {exc}" if refused else str(exc)))
        return reports

    def canceling(self, order_ids: Iterable[str]) -> None:
        for order_id in order_ids:
            order = self._orders.get(order_id)
            if order is not None and order.state in (OrderState.LIVE, OrderState.UNKNOWN):
                self._set_state(order, OrderState.CANCELING)

    def on_cancel_result(self, result: CancelResult, now_ms: int) -> list[ExecReport]:
        """``canceled`` ends the order; ``not_canceled`` means it is gone already (filled or
        cancelled), except for an unknown submit, which may simply never have landed: it stays
        unknown until a snapshot older than its grace says so."""
        reports = []
        for order_id in result.canceled:
            order = self._orders.get(order_id)
            if order is not None and order.maybe_live:
                self._set_state(order, OrderState.CANCELED)
                reports.append(_report(order, "cancelled", now_ms, "canceled"))
        for order_id, why in result.not_canceled.items():
            order = self._orders.get(order_id)
            if order is None or not order.maybe_live:
                continue
            if order.state is OrderState.CANCELING and order.ack_ms is None:
                self._set_state(order, OrderState.UNKNOWN)
                continue
            self._set_state(order, OrderState.CANCELED)
            reports.append(_report(order, "cancelled", now_ms, why))
        return reports

    def on_cancel_error(self, order_ids: Iterable[str], exc: BaseException) -> None:
        """A cancel refused before the venue (429, 425, refused connection) leaves its orders as they
        were, so the next plan cancels them again; a lost answer keeps them ``CANCELING`` (a retry of
        the same ids, or a snapshot, ends it)."""
        if not isinstance(exc, RateLimited | VenueBusy | NetworkError):
            return
        for order_id in order_ids:
            order = self._orders.get(order_id)
            if order is not None and order.state is OrderState.CANCELING:
                self._set_state(order, OrderState.LIVE if order.ack_ms is not None else OrderState.UNKNOWN)

    # -- the venue's word -------------------------------------------------------------------------

    def on_order_event(self, event: OrderEvent, now_ms: int) -> list[ExecReport]:
        """Apply a user-feed order event (or a REST order row) to an order we know."""
        order = self._orders.get(event.order_id)
        if order is None:
            return []
        order.size_matched_micro = max(order.size_matched_micro, event.size_matched_micro)
        was_unknown = order.state in (OrderState.UNKNOWN, OrderState.SUBMITTING)
        terminal = _TERMINAL_EVENT.get(event.status)
        if event.kind == "CANCELLATION" and terminal is None:
            terminal = OrderState.CANCELED
        if terminal is not None and order.maybe_live:
            self._set_state(order, terminal)
            kind = "filled" if terminal is OrderState.FILLED else "resolved" if was_unknown else "cancelled"
            return [_report(order, kind, now_ms, event.raw_status)]
        if event.status in ("LIVE", "DELAYED"):
            order.ack_ms = order.ack_ms or now_ms  # seen on the venue: a later "not found" means gone
            if order.maybe_live and was_unknown:
                self._set_state(order, OrderState.LIVE)
                return [_report(order, "resolved", now_ms, event.raw_status)]
        return []

    def resolve(self, order_id: str, state: OrderState, now_ms: int, reason: str) -> list[ExecReport]:
        """Set an order's state from a reconciliation verdict."""
        order = self._orders.get(order_id)
        if order is None or order.state is state:
            return []
        was_unknown = order.state in (OrderState.UNKNOWN, OrderState.SUBMITTING)
        order.reason = reason
        self._set_state(order, state)
        if state is OrderState.LIVE:
            return [_report(order, "resolved", now_ms, reason)] if was_unknown else []
        kind = "filled" if state is OrderState.FILLED else "resolved" if was_unknown else "cancelled"
        return [_report(order, kind, now_ms, reason)]

    def _set_state(self, order: LocalOrder, state: OrderState) -> None:
        order.state = state
        order_id = order.order_id
        if state in MAYBE_LIVE:
            self._open[order_id] = self._rank[order_id]
            self._slot_in(order)  # (back from an end: a reconciliation's verdict)
        else:
            self._open.pop(order_id, None)
            self._unslot(order)

    def _slot_in(self, order: LocalOrder) -> None:
        """Index ``order`` in its slot, oldest first (a no-op when it is there already)."""
        held = self._by_slot.setdefault(order.slot, {})
        if order.order_id not in held:
            held[order.order_id] = None
            if len(held) > 1:
                self._by_slot[order.slot] = dict.fromkeys(sorted(held, key=self._rank.__getitem__))

    def _unslot(self, order: LocalOrder) -> None:
        held = self._by_slot.get(order.slot)
        if held is not None:
            held.pop(order.order_id, None)
            if not held:
                del self._by_slot[order.slot]

    def forget_terminal(self, before_ms: int) -> int:
        """Drop terminal orders created before ``before_ms`` (memory); returns how many."""
        old = [i for i, o in self._orders.items() if not o.maybe_live and o.created_ms < before_ms]
        for order_id in old:
            del self._orders[order_id], self._rank[order_id]  # (ended: in no slot's index)
        return len(old)


def moved_report(order: LocalOrder, now_ms: int) -> ExecReport:
    """An order kept at another level of its ladder (``relevel``): its new slot, for whoever follows slots."""
    return _report(order, "moved", now_ms, f"kept at level {order.slot.level}")


def _report(order: LocalOrder, kind: str, now_ms: int, reason: str) -> ExecReport:
    return ExecReport(
        kind=kind,
        market=order.slot.market, order_id=order.order_id, intent_id=order.intent_id,
        token_id=order.slot.token_id, side=order.slot.side, level=order.slot.level,
        order_type=order.order_type, price_micro=order.price_micro, size_micro=order.size_micro,
        replace=order.replace, reason=reason, tick_ms=order.tick_ms, sent_ms=order.sent_ms,
        ack_ms=order.ack_ms, at_ms=now_ms,
    )  # fmt: skip
