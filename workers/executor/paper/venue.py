"""A paper venue: answers posts and cancels like the CLOB, and fills our resting orders by queue.

Queue model (conservative, i.e. never better for us than the real queue could be):

- On placement, the queue ahead is the public size at our price on our side (we join the back).
- A public trade at our price consumes the queue ahead first; only what is left fills us.
- A public trade *through* our price (a taker sold below our bid, or bought above our ask) would
  have met us first: we fill up to the trade's size at our price.
- A book whose opposite side reaches our price (an ask at or below our bid) fills us up to the
  size offered at or through our price, at our price; the same offered size is counted once.
- Cancels: a level that shrinks without a trade is assumed to lose size *behind* us; the queue
  ahead shrinks only when the level becomes smaller than it (those ahead cannot exceed the level).

Taker orders (FOK/FAK) walk the public book at once; post-only orders that would cross are
rejected with the venue's text. Fills and order events use the user feed's schema, MATCHED then
CONFIRMED at once (there is no chain to wait for).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from common.clob.client import CancelResult, OrderResult
from common.schemas.book import BookDelta, BookSnapshot, LastTrade
from common.schemas.user import Fill, OrderEvent
from workers.executor.core.orders import PlaceSpec
from workers.executor.paper.book import LevelBook

ERR_POST_ONLY = "invalid post-only order: order crosses book"
ERR_FOK = "order couldn't be fully filled. FOK orders are fully filled or killed."
ERR_FAK = "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found."


@dataclass(slots=True)
class PaperOrder:
    order_id: str
    spec: PlaceSpec
    queue_ahead_micro: int
    matched_micro: int = 0
    #: Opposite size seen at or through our price and already counted as filling us.
    crossed_micro: int = 0

    @property
    def remaining_micro(self) -> int:
        return self.spec.size_micro - self.matched_micro


Output = Fill | OrderEvent


class PaperVenue:
    def __init__(self, owner: str, clock_ms: Callable[[], int]) -> None:
        self.owner = owner
        self._now = clock_ms
        self._books: dict[str, LevelBook] = {}
        self.resting: dict[str, PaperOrder] = {}
        self._trade_ids = itertools.count(1)

    def book(self, token_id: str) -> LevelBook:
        return self._books.setdefault(token_id, LevelBook())

    # -- our requests -----------------------------------------------------------------------------

    def post(self, legs: list[tuple[str, PlaceSpec]]) -> tuple[list[OrderResult], list[Output]]:
        results: list[OrderResult] = []
        out: list[Output] = []
        for order_id, spec in legs:
            book = self.book(spec.slot.token_id)
            crossing = book.crossing(spec.slot.side, spec.price_micro)
            if spec.order_type in ("FOK", "FAK"):
                results.append(self._take(order_id, spec, crossing, out))
            elif crossing and spec.post_only:
                results.append(OrderResult(order_id, "", False, "", ERR_POST_ONLY, None, None, ()))
            else:
                ahead = book.size_at(spec.slot.side, spec.price_micro)
                order = self.resting[order_id] = PaperOrder(order_id, spec, ahead)
                out.append(self._event(order, "PLACEMENT", "LIVE"))
                results.append(OrderResult(order_id, order_id, True, "live", "", None, None, ()))
        return results, out

    def cancel(self, order_ids: list[str]) -> tuple[CancelResult, list[Output]]:
        done: list[str] = []
        missing: dict[str, str] = {}
        out: list[Output] = []
        for order_id in order_ids:
            order = self.resting.pop(order_id, None)
            if order is None:
                missing[order_id] = "already canceled or matched"
                continue
            done.append(order_id)
            out.append(self._event(order, "CANCELLATION", "CANCELED"))
        return CancelResult(tuple(done), missing), out

    def cancel_market(self, market: str) -> tuple[CancelResult, list[Output]]:
        return self.cancel([i for i, o in self.resting.items() if o.spec.slot.market == market])

    # -- the public feed --------------------------------------------------------------------------

    def on_snapshot(self, snap: BookSnapshot) -> list[Output]:
        self.book(snap.asset_id).snapshot(snap)
        return self._book_crosses(snap.asset_id)

    def on_delta(self, delta: BookDelta) -> list[Output]:
        for side, price, old, new in self.book(delta.asset_id).delta(delta):
            if new < old:
                for order in self._resting_at(delta.asset_id, side, price):
                    order.queue_ahead_micro = min(order.queue_ahead_micro, new)
        return self._book_crosses(delta.asset_id)

    def on_trade(self, trade: LastTrade) -> list[Output]:
        """A public print; ``side`` is the taker's: a SELL hits bids, a BUY lifts asks."""
        out: list[Output] = []
        hit_side = "BUY" if trade.side == "SELL" else "SELL"
        left = trade.size_micro
        for order in sorted(self._resting_on(trade.asset_id, hit_side), key=lambda o: o.spec.price_micro,
                            reverse=hit_side == "BUY"):  # fmt: skip
            if left <= 0:
                break
            sign = 1 if hit_side == "BUY" else -1
            through = sign * (order.spec.price_micro - trade.price_micro) > 0
            if through:
                size = min(order.remaining_micro, left)
            elif order.spec.price_micro == trade.price_micro:
                eaten = min(order.queue_ahead_micro, left)
                order.queue_ahead_micro -= eaten
                size = min(order.remaining_micro, left - eaten)
            else:
                continue
            if size > 0:
                left -= size
                self._fill(order, size, out)
        return out

    # -- internals --------------------------------------------------------------------------------

    def _book_crosses(self, token_id: str) -> list[Output]:
        out: list[Output] = []
        book = self.book(token_id)
        for order in list(self._resting_on(token_id, "BUY")) + list(self._resting_on(token_id, "SELL")):
            offered = sum(s for _, s in book.crossing(order.spec.slot.side, order.spec.price_micro))
            fresh = min(order.remaining_micro, offered - order.crossed_micro)
            order.crossed_micro = max(order.crossed_micro, offered)
            if fresh > 0:
                self._fill(order, fresh, out)
        return out

    def _take(self, order_id: str, spec: PlaceSpec, crossing: list[tuple[int, int]], out: list[Output]) -> OrderResult:
        fills, left = [], spec.size_micro
        for price, size in crossing:
            if left <= 0:
                break
            take = min(left, size)
            fills.append((price, take))
            left -= take
        if not fills or (spec.order_type == "FOK" and left > 0):
            return OrderResult(order_id, "", False, "", ERR_FOK if spec.order_type == "FOK" else ERR_FAK,
                               None, None, ())  # fmt: skip
        trade_ids = []
        for price, size in fills:
            trade_ids.append(self._emit_fill(order_id, spec, price, size, "TAKER", out))
        return OrderResult(order_id, order_id, True, "matched", "", None, None, tuple(trade_ids))

    def _fill(self, order: PaperOrder, size: int, out: list[Output]) -> None:
        order.matched_micro += size
        self._emit_fill(order.order_id, order.spec, order.spec.price_micro, size, "MAKER", out)
        done = order.remaining_micro <= 0
        if done:
            del self.resting[order.order_id]
        out.append(self._event(order, "UPDATE", "MATCHED" if done else "LIVE"))

    def _emit_fill(self, order_id: str, spec: PlaceSpec, price: int, size: int, role: str, out: list[Output]) -> str:
        trade_id = f"paper-{next(self._trade_ids)}"
        now = self._now()
        for status in ("MATCHED", "CONFIRMED"):
            out.append(Fill(fill_id=f"{trade_id}:{order_id}:{status}", trade_id=trade_id, status=status,
                            order_id=order_id, role=role, market=spec.slot.market,
                            asset_id=spec.slot.token_id, side=spec.slot.side, price_micro=price, size_micro=size,
                            match_time_ms=now, venue_ts_ms=now, recv_ts_ms=now))  # fmt: skip
        return trade_id

    def _event(self, order: PaperOrder, kind: str, status: str) -> OrderEvent:
        spec, now = order.spec, self._now()
        return OrderEvent(order_id=order.order_id, owner=self.owner, market=spec.slot.market,
                          asset_id=spec.slot.token_id, side=spec.slot.side, kind=kind, status=status,
                          raw_status=status, order_type=spec.order_type, price_micro=spec.price_micro,
                          original_size_micro=spec.size_micro, size_matched_micro=order.matched_micro,
                          venue_ts_ms=now, recv_ts_ms=now)  # fmt: skip

    def _resting_on(self, token_id: str, side: str) -> list[PaperOrder]:
        return [o for o in self.resting.values() if o.spec.slot.token_id == token_id and o.spec.slot.side == side]

    def _resting_at(self, token_id: str, side: str, price: int) -> list[PaperOrder]:
        return [o for o in self._resting_on(token_id, side) if o.spec.price_micro == price]
