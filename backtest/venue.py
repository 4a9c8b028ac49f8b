"""The simulated venue: our orders in one market's unified book, filled by the recorded flow.

A pure core: the replay feeds it the recorded book and prints (already in the Up frame,
``backtest.frame``), our requests and the clock; it answers with our fills and order events.

- **Latency.** An order goes live ``latency_ms`` after the decision; a cancel is done
  ``latency_ms`` after it is asked, and until then the order can still fill (a cancel racing a
  fill loses it). A marketable (taker) order waits the venue's taker delay on top and then takes
  the book as it is at that moment.
- **Queue position** (``QueueModel.BOOK``). A maker order joins the back of its level: the size
  displayed there when it goes live is ahead of it (at a new, better price nothing is: it is
  first). A print at its price eats the queue ahead first and fills it with what is left. A level
  that shrinks by more than the prints seen there lost that much to cancels, taken pro rata from
  ahead of and behind our order; the queue ahead never exceeds the level.
- **Trade-throughs.** A print beyond our price (a taker sold below our bid) would have met our order
  first: it fills us up to its size. So does an opposite order displayed at or through our price
  (an ask at or below our bid), each displayed share counted once, but only with ``cross_fills``:
  recorded makers post only (the emulator's do; the venue's mostly), so such an order would have been
  refused rather than matched with ours, and a seller behind it shows up as a print through our price.
- ``QueueModel.TOP``: with top-of-book data only, the queue ahead is unknown, so only
  trade-throughs fill (never a print at our own price). Such data usually has no prints either:
  there the opposite best moving to or through our price is the trade-through (the replay turns
  ``cross_fills`` on for it).

Our takers do not remove the recorded liquidity they take from the book the replay keeps showing,
but what they took of a level is not offered to them again until that level changes.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from backtest.frame import OutcomeName, Side, UpFrame, outcome_price, up_frame

#: The venue's delay of marketable API orders (December 2026 rule, issue 15; the emulator's too).
TAKER_DELAY_MS = 250
#: The queue ahead of us when it cannot be known (top-of-book data): a print at our price never fills us.
ENDLESS_QUEUE_MICRO = 10**18

#: What filled an order (``recorded``: the live bot's own fill, replayed as it was).
Cause = Literal["trade", "trade_through", "cross", "take", "recorded"]
EventKind = Literal["live", "rejected", "canceled", "cancel_missed", "killed", "taken"]


class QueueModel(StrEnum):
    #: Full depth recorded: queue position by displayed size, trades and cancels.
    BOOK = "book"
    #: Top of book only: fill only on a trade-through.
    TOP = "top"


@dataclass(frozen=True, slots=True)
class OrderRequest:
    order_id: str
    outcome: OutcomeName
    side: Side
    price_micro: int
    size_micro: int
    #: A marketable order (FOK/FAK): it takes at ``price_micro`` or better, never rests.
    taker: bool = False
    #: A taker that must fill whole (FOK) rather than partly (FAK).
    fill_or_kill: bool = True


@dataclass(frozen=True, slots=True)
class VenueFill:
    order_id: str
    at_ms: int
    outcome: OutcomeName
    side: Side
    #: The outcome's own price (a BUY Down filled by a SELL Up at 0.6 is at 0.4).
    price_micro: int
    size_micro: int
    maker: bool
    cause: Cause


@dataclass(frozen=True, slots=True)
class OrderEvent:
    order_id: str
    at_ms: int
    kind: EventKind
    reason: str = ""


Output = VenueFill | OrderEvent


@dataclass(slots=True)
class RestingOrder:
    request: OrderRequest
    frame: UpFrame
    ahead_micro: int
    matched_micro: int = 0
    #: Opposite size seen at or through our price and already counted as filling us.
    crossed_micro: int = 0
    cancel_asked: bool = False

    @property
    def remaining_micro(self) -> int:
        return self.request.size_micro - self.matched_micro


class SimVenue:
    def __init__(self, latency_ms: int, queue: QueueModel = QueueModel.BOOK, taker_delay_ms: int = TAKER_DELAY_MS,
                 cross_fills: bool = False) -> None:  # fmt: skip
        self.latency_ms = latency_ms
        self.cross_fills = cross_fills
        self.queue = QueueModel(queue)
        self.taker_delay_ms = taker_delay_ms
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.resting: dict[str, RestingOrder] = {}
        self._due: list[tuple[int, int, str, OrderRequest | str]] = []
        self._seq = 0
        #: Public prints seen at a level since its size last changed (they explain a shrink).
        self._traded: dict[UpFrame, int] = {}
        #: What our takers took of a level since it last changed.
        self._taken: dict[UpFrame, int] = {}

    # -- our requests -------------------------------------------------------------------------------

    def place(self, now_ms: int, request: OrderRequest) -> None:
        delay = self.latency_ms + (self.taker_delay_ms if request.taker else 0)
        self._schedule(now_ms + delay, "place", request)

    def cancel(self, now_ms: int, order_id: str) -> None:
        order = self.resting.get(order_id)
        if order is not None:
            order.cancel_asked = True
        self._schedule(now_ms + self.latency_ms, "cancel", order_id)

    def close(self) -> None:
        """The market stopped trading: nothing rests, nothing pending arrives."""
        self.resting.clear()
        self._due.clear()

    def next_due_ms(self) -> int | None:
        return self._due[0][0] if self._due else None

    def advance(self, to_ms: int) -> list[Output]:
        """Carry out every request due at or before ``to_ms``, oldest first."""
        out: list[Output] = []
        while self._due and self._due[0][0] <= to_ms:
            at_ms, _, _, what = heapq.heappop(self._due)
            if isinstance(what, OrderRequest):
                out += self._take(at_ms, what) if what.taker else self._go_live(at_ms, what)
            elif self.resting.pop(what, None) is not None:
                out.append(OrderEvent(what, at_ms, "canceled"))
            else:
                out.append(OrderEvent(what, at_ms, "cancel_missed", "already filled"))
        return out

    # -- the recorded market, in the Up frame ------------------------------------------------------

    def on_book(self, at_ms: int, bids: dict[int, int], asks: dict[int, int]) -> list[Output]:
        """A whole book (a snapshot): applied as the level changes it makes."""
        out: list[Output] = []
        for bid, old, new in ((True, self.bids, bids), (False, self.asks, asks)):
            for price in sorted(set(old) | set(new)):
                if old.get(price, 0) != new.get(price, 0):
                    out += self.on_level(at_ms, bid, price, new.get(price, 0))
        return out

    def on_level(self, at_ms: int, bid: bool, price_micro: int, size_micro: int) -> list[Output]:
        levels = self.bids if bid else self.asks
        level = UpFrame(bid, price_micro)
        old = levels.get(price_micro, 0)
        if size_micro > 0:
            levels[price_micro] = size_micro
        else:
            levels.pop(price_micro, None)
        traded = self._traded.pop(level, 0)
        self._taken.pop(level, None)
        cancelled = old - size_micro - traded
        for order in self._orders_at(level) if self.queue is QueueModel.BOOK else ():
            if cancelled > 0 and old > 0:
                order.ahead_micro -= cancelled * order.ahead_micro // old
            order.ahead_micro = min(order.ahead_micro, size_micro)
        return self._crossings(at_ms)

    def on_trade(self, at_ms: int, taker_buys: bool, price_micro: int, size_micro: int) -> list[Output]:
        """A public print in the Up frame: a taker buying lifts asks, a taker selling hits bids."""
        out: list[Output] = []
        hit_bids = not taker_buys
        level = UpFrame(hit_bids, price_micro)
        self._traded[level] = self._traded.get(level, 0) + size_micro
        left = size_micro
        sign = 1 if hit_bids else -1
        ours = sorted((o for o in self.resting.values() if o.frame.bid == hit_bids),
                      key=lambda o: (-sign * o.frame.price_micro, o.request.order_id))  # fmt: skip
        cause: Cause
        for order in ours:
            if left <= 0:
                break
            beyond = sign * (order.frame.price_micro - price_micro)
            if beyond > 0:
                size, cause = min(order.remaining_micro, left), "trade_through"
            elif beyond == 0:
                eaten = min(order.ahead_micro, left)
                order.ahead_micro -= eaten
                left -= eaten
                size, cause = min(order.remaining_micro, left), "trade"
            else:
                continue
            if size > 0:
                left -= size
                out.append(self._fill(at_ms, order, size, cause))
        return out

    # -- internals ----------------------------------------------------------------------------------

    def _schedule(self, due_ms: int, kind: str, what: OrderRequest | str) -> None:
        self._seq += 1
        heapq.heappush(self._due, (due_ms, self._seq, kind, what))

    def _opposite(self, frame: UpFrame) -> list[tuple[int, int]]:
        """Displayed opposite levels at or through ``frame``'s price, best first."""
        if frame.bid:
            return sorted((p, s) for p, s in self.asks.items() if p <= frame.price_micro)
        return sorted(((p, s) for p, s in self.bids.items() if p >= frame.price_micro), reverse=True)

    def _go_live(self, at_ms: int, request: OrderRequest) -> list[Output]:
        frame = up_frame(request.outcome, request.side, request.price_micro)
        if self._opposite(frame):
            return [OrderEvent(request.order_id, at_ms, "rejected", "post-only order crosses book")]
        same = self.bids if frame.bid else self.asks
        ahead = ENDLESS_QUEUE_MICRO if self.queue is QueueModel.TOP else same.get(frame.price_micro, 0)
        self.resting[request.order_id] = RestingOrder(request, frame, ahead)
        return [OrderEvent(request.order_id, at_ms, "live")]

    def _take(self, at_ms: int, request: OrderRequest) -> list[Output]:
        frame = up_frame(request.outcome, request.side, request.price_micro)
        plan: list[tuple[int, int]] = []
        left = request.size_micro
        for price, size in self._opposite(frame):
            free = size - self._taken.get(UpFrame(not frame.bid, price), 0)
            if left > 0 and free > 0:
                plan.append((price, min(left, free)))
                left -= plan[-1][1]
        if not plan or (request.fill_or_kill and left > 0):
            return [OrderEvent(request.order_id, at_ms, "killed", "not enough liquidity")]
        out: list[Output] = []
        for price, size in plan:
            level = UpFrame(not frame.bid, price)
            self._taken[level] = self._taken.get(level, 0) + size
            out.append(VenueFill(request.order_id, at_ms, request.outcome, request.side,
                                 outcome_price(request.outcome, price), size, False, "take"))  # fmt: skip
        out.append(OrderEvent(request.order_id, at_ms, "taken"))
        return out

    def _crossings(self, at_ms: int) -> list[Output]:
        out: list[Output] = []
        if not self.cross_fills:
            return out
        for order in sorted(self.resting.values(), key=lambda o: o.request.order_id):
            offered = sum(s for _, s in self._opposite(order.frame))
            fresh = min(order.remaining_micro, offered - order.crossed_micro)
            order.crossed_micro = max(order.crossed_micro, offered)
            if fresh > 0:
                out.append(self._fill(at_ms, order, fresh, "cross"))
        return out

    def _fill(self, at_ms: int, order: RestingOrder, size: int, cause: Cause) -> VenueFill:
        order.matched_micro += size
        if order.remaining_micro <= 0:
            del self.resting[order.request.order_id]
        r = order.request
        return VenueFill(r.order_id, at_ms, r.outcome, r.side, r.price_micro, size, True, cause)

    def _orders_at(self, level: UpFrame) -> list[RestingOrder]:
        return [o for o in self.resting.values() if o.frame == level]
