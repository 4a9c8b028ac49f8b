"""One window's market during a backtest: the recorded book, our orders in the simulated venue, and
the reconciliation of a strategy's decision into cancels and places (the executor's rules).

The displayed book is the Up token's (the Down book is its mirror). The recorded bot's own resting
orders (from ``orders``) are taken out of it before the venue sees it: the strategy being tested
takes their place, and must not queue behind them.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backtest.accounting import WindowBook
from backtest.frame import OutcomeName, UpFrame, up_frame
from backtest.settle import Settlement
from backtest.strategies import Decision
from backtest.venue import OrderEvent, OrderRequest, QueueModel, SimVenue, VenueFill
from common.money import MICRO_PER_UNIT as MICRO
from common.schemas.market import MarketRecord
from common.schemas.user import OrderEvent as RecordedOrder
from workers.executor.core.diff import REPLACE_WINDOW_MS
from workers.quoter.core import Books, BookTop, MarketMeta
from workers.quoter.core.churn import needs_replace

if TYPE_CHECKING:
    from backtest.types import Params


@dataclass(slots=True)
class OurOrder:
    order_id: str
    outcome: OutcomeName
    level: int
    price_micro: int
    size_micro: int
    matched_micro: int = 0
    #: pending (sent, not live yet), live, canceling; an order that rests no more is dropped.
    state: str = "pending"

    @property
    def remaining_micro(self) -> int:
        return self.size_micro - self.matched_micro


@dataclass(slots=True)
class Stats:
    seconds: int = 0
    two_sided_s: int = 0
    any_side_s: int = 0
    in_band_s: int = 0
    #: Σ over sampled seconds of our estimated share of the reward sample.
    reward_share_s: float = 0.0
    placed: int = 0
    placed_micro: int = 0
    rejected: int = 0
    replaced: int = 0
    cancelled: int = 0
    takers: int = 0
    fills_by_cause: dict[str, int] = field(default_factory=dict)


class MarketSim:
    def __init__(self, record: MarketRecord, meta: MarketMeta, settlement: Settlement, strategy: str,
                 params: Params) -> None:  # fmt: skip
        self.record, self.meta, self.settlement = record, meta, settlement
        self.start_ms, self.end_ms = record.window_start_ms or 0, record.window_end_ms or 0
        cross = params.cross_fills if params.cross_fills is not None else params.queue == QueueModel.TOP
        self.venue = SimVenue(params.latency_ms, params.queue, cross_fills=cross)
        self.book = WindowBook(meta.fee)
        self.stats = Stats()
        self.displayed: dict[bool, dict[int, int]] = {True: {}, False: {}}
        self.recorded_own: dict[str, tuple[UpFrame, int]] = {}
        #: The recorded bot's resting orders' outcomes (the ``recorded`` strategy's uptime).
        self.recorded_outcomes: dict[str, OutcomeName] = {}
        #: Replaying the recorded bot itself: its placements count as this run's quotes.
        self.replaying_recorded = strategy == "recorded"
        self.orders: dict[str, OurOrder] = {}
        self.mids: list[tuple[int, int]] = []  # (ms, Up mid) whenever it changes
        self.closed = False
        #: The window ended after the recording did, or its winner is unknown: left out of the totals.
        self.unsettled = False
        self.rebate_micro = 0
        self.reward_micro = 0
        #: What the shares held at the end made at the settlement (value minus cost).
        self.inventory_pnl_micro = 0
        #: The most pUSD this window tied up at once: cost of shares held and our resting bids.
        self.capital_used_micro = 0
        self.last_decision_ms = -(10**18)
        self._prefix = f"{strategy}-{record.slug}-"
        self._ids = 0
        self._takers_done: set[str] = set()
        self._replaces: deque[int] = deque()

    # -- the recorded book ---------------------------------------------------------------------------

    def outcome_of(self, token_id: str) -> OutcomeName | None:
        if token_id == self.meta.up_token_id:
            return "UP"
        return "DOWN" if token_id == self.meta.down_token_id else None

    def own_at(self, level: UpFrame) -> int:
        return sum(s for f, s in self.recorded_own.values() if f == level)

    def others(self, bid: bool, price: int) -> int:
        return max(0, self.displayed[bid].get(price, 0) - self.own_at(UpFrame(bid, price)))

    def set_level(self, at_ms: int, bid: bool, price: int, size: int) -> list[object]:
        if size > 0:
            self.displayed[bid][price] = size
        else:
            self.displayed[bid].pop(price, None)
        self._note_mid(at_ms)
        return list(self.venue.on_level(at_ms, bid, price, self.others(bid, price)))

    def set_book(self, at_ms: int, bids: dict[int, int], asks: dict[int, int]) -> list[object]:
        self.displayed = {True: dict(bids), False: dict(asks)}
        self._note_mid(at_ms)
        others = {side: {p: self.others(side, p) for p in levels} for side, levels in self.displayed.items()}
        return list(self.venue.on_book(at_ms, others[True], others[False]))

    def recorded_order(self, at_ms: int, event: RecordedOrder) -> list[object]:
        """One of the recorded bot's own orders changed: the others' size at its level did too."""
        outcome = self.outcome_of(event.asset_id)
        if outcome is None:
            return []
        frame = up_frame(outcome, event.side, event.price_micro)
        left = event.original_size_micro - event.size_matched_micro
        if self.replaying_recorded and event.kind == "PLACEMENT":
            self.stats.placed += 1
            self.stats.placed_micro += event.original_size_micro
        if event.status == "LIVE" and left > 0:
            self.recorded_own[event.order_id] = (frame, left)
            self.recorded_outcomes[event.order_id] = outcome
        elif self.recorded_own.pop(event.order_id, None) is None:
            return []
        else:
            self.recorded_outcomes.pop(event.order_id, None)
        return list(self.venue.on_level(at_ms, frame.bid, frame.price_micro, self.others(*frame)))

    def up_mid(self) -> int | None:
        bids, asks = self.displayed[True], self.displayed[False]
        return (max(bids) + min(asks)) // 2 if bids and asks else None

    def mid_at(self, ms: int) -> int | None:
        i = bisect.bisect_right(self.mids, (ms, MICRO * 2))
        return self.mids[i - 1][1] if i else None

    def _note_mid(self, at_ms: int) -> None:
        mid = self.up_mid()
        if mid is not None and (not self.mids or self.mids[-1][1] != mid):
            self.mids.append((at_ms, mid))

    def books(self) -> Books:
        """Both outcomes' tops as our strategy would see them: the others' book and our live orders."""
        bids = [p for p, s in self.venue.bids.items() if s > 0]
        asks = [p for p, s in self.venue.asks.items() if s > 0]
        for order in self.venue.resting.values():
            (bids if order.frame.bid else asks).append(order.frame.price_micro)
        bid, ask = (max(bids) if bids else None), (min(asks) if asks else None)
        up = BookTop(bid_micro=bid, ask_micro=ask)
        down = BookTop(bid_micro=None if ask is None else MICRO - ask, ask_micro=None if bid is None else MICRO - bid)
        return Books(up=up, down=down)

    # -- our orders ----------------------------------------------------------------------------------

    def apply(self, now_ms: int, decision: Decision) -> None:
        """Cancels and places that bring our orders to the decision (``workers.executor.core.diff``'s
        rules: churn tolerance, replace limit, never two of our orders at one price)."""
        wanted = {(w.outcome, w.level): w for w in decision.orders}
        for order in sorted(self.orders.values(), key=lambda o: o.order_id):
            if order.level >= 0 and (order.outcome, order.level) not in wanted and order.state in ("pending", "live"):
                self._cancel(now_ms, order)
        in_use = {(o.outcome, o.price_micro) for o in self.orders.values()}
        while self._replaces and self._replaces[0] <= now_ms - REPLACE_WINDOW_MS:
            self._replaces.popleft()
        room = decision.churn.max_replaces_per_s - len(self._replaces)
        for (outcome, level), want in sorted(wanted.items()):
            present = [o for o in self.orders.values() if (o.outcome, o.level) == (outcome, level)
                       and o.state in ("pending", "live")]  # fmt: skip
            if not present:
                if (outcome, want.price_micro) not in in_use:
                    self._place(now_ms, outcome, level, want.price_micro, want.size_micro)
                    in_use.add((outcome, want.price_micro))
                continue
            order = present[-1]
            if order.state == "pending" or not needs_replace(
                order.price_micro,
                order.remaining_micro,
                want.price_micro,
                want.size_micro,
                decision.churn,
                self.meta.tick_micro,
            ):
                continue  # fmt: skip
            if room <= 0:
                continue
            room -= 1
            self._replaces.append(now_ms)
            self.stats.replaced += 1
            self._cancel(now_ms, order)
            if (outcome, want.price_micro) not in in_use:
                self._place(now_ms, outcome, level, want.price_micro, want.size_micro)
                in_use.add((outcome, want.price_micro))
        if decision.key and decision.takers and decision.key not in self._takers_done:
            self._takers_done.add(decision.key)
            for take in decision.takers:
                self.stats.takers += 1
                order_id = self._next_id()
                self.orders[order_id] = OurOrder(order_id, take.outcome, -1, take.price_cap_micro, take.size_micro)
                request = OrderRequest(order_id, take.outcome, "BUY", take.price_cap_micro, take.size_micro,
                                       taker=True, fill_or_kill=take.fill_or_kill)  # fmt: skip
                self.venue.place(now_ms, request)

    def order_event(self, event: OrderEvent) -> None:
        order = self.orders.get(event.order_id)
        if order is None:
            return
        if event.kind == "live":
            order.state = "live" if order.state == "pending" else order.state
        else:
            del self.orders[event.order_id]  # rejected, cancelled, killed or taken: nothing rests
            self.stats.rejected += event.kind == "rejected"

    def order_filled(self, fill: VenueFill) -> None:
        order = self.orders.get(fill.order_id)
        if order is not None:
            order.matched_micro += fill.size_micro
            if fill.maker and order.remaining_micro <= 0:
                del self.orders[fill.order_id]  # filled whole: nothing rests

    def close(self) -> None:
        """The window ended: nothing rests or trades any more."""
        self.closed = True
        self.venue.close()
        self.orders.clear()

    def tied_micro(self) -> int:
        """pUSD tied up now: the cost of what is held and the collateral our resting bids reserve."""
        resting = sum(o.remaining_micro * o.request.price_micro // MICRO for o in self.venue.resting.values())
        tied = self.book.cost["UP"] + self.book.cost["DOWN"] + resting
        self.capital_used_micro = max(self.capital_used_micro, tied)
        return tied

    def live_outcomes(self) -> set[str]:
        if self.replaying_recorded:
            return set(self.recorded_outcomes.values())
        return {o.request.outcome for o in self.venue.resting.values()}

    def _next_id(self) -> str:
        self._ids += 1
        return f"{self._prefix}{self._ids:06d}"

    def _place(self, now_ms: int, outcome: OutcomeName, level: int, price: int, size: int) -> None:
        order_id = self._next_id()
        self.orders[order_id] = OurOrder(order_id, outcome, level, price, size)
        self.stats.placed += 1
        self.stats.placed_micro += size
        self.venue.place(now_ms, OrderRequest(order_id, outcome, "BUY", price, size))

    def _cancel(self, now_ms: int, order: OurOrder) -> None:
        order.state = "canceling"
        self.stats.cancelled += 1
        self.venue.cancel(now_ms, order.order_id)
