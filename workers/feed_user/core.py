"""Our orders and fills from the user websocket (pure: no I/O, no clock).

Feed it raw frame text and the receive time (``on_frame``) or parsed events (``apply``). It passes
order events through (learning the ids of our orders from them), and turns each trade report into
our ``Fill``\\ s, once per (trade id, status): a trade is re-sent as it moves MATCHED → MINED →
CONFIRMED, and a repeated delivery of the same status yields nothing. Our maker fills come from
our entries in ``maker_orders`` (matched amount and price of our order), recognised by our order
id or our API key; our taker fill from the top level when ``trader_side`` is ``TAKER`` and the
taker order is ours. Trades read back from the venue (``backfill``) pass the same dedupe.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable

from common.schemas.base import Message
from common.schemas.user import Fill, MakerOrderFill, OrderEvent, UserTrade
from common.venue.user_ws import BadElement, UserWsParser

#: (trade id, status) pairs remembered for dedupe; far above the trades of a day at our size.
DEDUPE_CAPACITY = 200_000
#: Our order ids remembered (learned from order events or told by the executor).
OUR_ORDERS_CAPACITY = 200_000


class _BoundedSet:
    """Insertion-ordered set that forgets its oldest members past a capacity."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[object, None] = OrderedDict()

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: object) -> None:
        self._items[item] = None
        self._items.move_to_end(item)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)


class UserFeed:
    """Attribution and dedupe of the user channel for one account (one or more API keys)."""

    def __init__(
        self,
        api_keys: Iterable[str],
        our_order_ids: Iterable[str] = (),
        dedupe_capacity: int = DEDUPE_CAPACITY,
    ) -> None:
        self.parser = UserWsParser()
        self.api_keys = frozenset(api_keys)
        self._orders = _BoundedSet(OUR_ORDERS_CAPACITY)
        for order_id in our_order_ids:
            self._orders.add(order_id)
        self._seen = _BoundedSet(dedupe_capacity)
        #: ``fills``, ``duplicate_trade_status``, ``trades_not_ours``, ``orders``...
        self.counts: Counter[str] = Counter()

    def add_key(self, api_key: str) -> None:
        """Another API key of this account (an executor instance's): its events are ours too."""
        self.api_keys = self.api_keys | {api_key}

    def add_our_orders(self, order_ids: Iterable[str]) -> None:
        """Tell the feed about orders we placed (the executor knows the hash before the venue does)."""
        for order_id in order_ids:
            self._orders.add(order_id)

    def is_ours(self, order_id: str, owner: str = "") -> bool:
        return order_id in self._orders or (bool(owner) and owner in self.api_keys)

    def on_frame(self, raw: str | bytes, recv_ts_ms: int) -> list[Message]:
        """Parse one frame and apply it; raises ``VenueParseError`` if any part is malformed."""
        out: list[Message] = []
        for event in self.parser.parse(raw, recv_ts_ms):
            out.extend(self.apply(event))
        return out

    def read(self, raw: str | bytes, recv_ts_ms: int) -> tuple[list[Message], list[BadElement]]:
        """One frame element by element: the events of its good elements, and its bad elements.
        Raises ``VenueParseError`` only when the frame as a whole is not JSON."""
        frame = self.parser.parse_elements(raw, recv_ts_ms)
        return [out for event in frame.events for out in self.apply(event)], frame.bad

    def backfill(self, trades: Iterable[UserTrade]) -> list[Fill]:
        """Our fills in trades read from the venue, through the same dedupe as the websocket's."""
        return [fill for trade in trades for fill in self.fills(trade)]

    def apply(self, event: Message) -> list[Message]:
        """The events to publish for one parsed event: the order event, or our fills of a trade."""
        if isinstance(event, OrderEvent):
            if event.owner in self.api_keys:
                self._orders.add(event.order_id)
            self.counts["orders"] += 1
            return [event]
        if isinstance(event, UserTrade):
            return list(self.fills(event))
        return [event]

    def fills(self, trade: UserTrade) -> list[Fill]:
        """Our fills in a trade report, or none if this (trade id, status) was seen already."""
        key = (trade.trade_id, trade.status)
        if key in self._seen:
            self.counts["duplicate_trade_status"] += 1
            return []
        self._seen.add(key)
        fills = [self._maker_fill(trade, entry) for entry in trade.maker_orders if self._mine(entry)]
        if trade.trader_side != "MAKER" and self.is_ours(trade.taker_order_id, trade.owner):
            fills.append(self._taker_fill(trade))
        if fills:
            self.counts["fills"] += len(fills)
        else:
            self.counts["trades_not_ours"] += 1
        return fills

    def _mine(self, entry: MakerOrderFill) -> bool:
        return self.is_ours(entry.order_id, entry.owner)

    @staticmethod
    def _maker_fill(trade: UserTrade, entry: MakerOrderFill) -> Fill:
        return Fill(
            fill_id=f"{trade.trade_id}:{entry.order_id}:{trade.status}",
            trade_id=trade.trade_id,
            status=trade.status,
            order_id=entry.order_id,
            role="MAKER",
            market=trade.market,
            asset_id=entry.asset_id,
            outcome=entry.outcome,
            side=entry.side,
            price_micro=entry.price_micro,
            size_micro=entry.matched_size_micro,
            fee_rate_bps=entry.fee_rate_bps,
            match_time_ms=trade.match_time_ms,
            transaction_hash=trade.transaction_hash,
            venue_ts_ms=trade.venue_ts_ms,
            recv_ts_ms=trade.recv_ts_ms,
        )

    @staticmethod
    def _taker_fill(trade: UserTrade) -> Fill:
        return Fill(
            fill_id=f"{trade.trade_id}:{trade.taker_order_id}:{trade.status}",
            trade_id=trade.trade_id,
            status=trade.status,
            order_id=trade.taker_order_id,
            role="TAKER",
            market=trade.market,
            asset_id=trade.asset_id,
            outcome=trade.outcome,
            side=trade.side,
            price_micro=trade.price_micro,
            size_micro=trade.size_micro,
            fee_rate_bps=trade.fee_rate_bps,
            match_time_ms=trade.match_time_ms,
            transaction_hash=trade.transaction_hash,
            venue_ts_ms=trade.venue_ts_ms,
            recv_ts_ms=trade.recv_ts_ms,
        )
