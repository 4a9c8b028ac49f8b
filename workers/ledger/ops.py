"""The ledger's inputs as a log of operations, and the in-memory books they fold into.

Every input that changes the books becomes one or more ``Op``: a market record, a fill status, a
merge or redeem, a resolution. The worker appends the ops that changed something to a Redis list
before it acks the input, and on start replays that list into a fresh core: the core is
deterministic in the order of its inputs, so the replayed books are the books it had. No I/O here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from common.schemas.base import Message
from common.schemas.inventory import InventoryAction
from common.schemas.market import MarketLifecycle, MarketRecord
from common.schemas.positions import WindowSummary
from common.schemas.user import Fill
from workers.ledger.core import Ledger

OpKind = Literal["market", "fill", "inventory", "resolve"]
_BODIES: dict[str, type[Message]] = {"market": MarketRecord, "fill": Fill, "inventory": InventoryAction}


@dataclass(frozen=True, slots=True)
class Op:
    kind: OpKind
    market: str
    #: The bus body (market, fill, inventory); None for a resolution.
    body: Message | None = None
    #: resolve: the winning token id.
    winner: str = ""

    def dumps(self) -> str:
        doc: dict[str, object] = {"k": self.kind, "m": self.market}
        if self.body is not None:
            doc["b"] = self.body.model_dump(mode="json")
        if self.winner:
            doc["w"] = self.winner
        return json.dumps(doc, separators=(",", ":"))

    @staticmethod
    def loads(raw: str | bytes) -> Op:
        doc = json.loads(raw)
        kind = doc["k"]
        body = _BODIES[kind].model_validate(doc["b"]) if "b" in doc else None
        return Op(kind=kind, market=doc["m"], body=body, winner=doc.get("w", ""))


@dataclass(slots=True)
class Recycled:
    """Capital recycled from one window: full sets merged and winners redeemed."""

    slug: str = ""
    merged_sets_micro: int = 0
    redeemed_micro: int = 0
    merges: int = 0
    redeems: int = 0

    def dumps(self) -> str:
        return json.dumps({"slug": self.slug, "merged_sets_micro": self.merged_sets_micro,
                           "redeemed_micro": self.redeemed_micro, "merges": self.merges,
                           "redeems": self.redeems})  # fmt: skip


@dataclass(slots=True)
class Books:
    """The core plus what the loop keeps beside it (recycled capital, the last record per market)."""

    ledger: Ledger
    recycled: dict[str, Recycled] = field(default_factory=dict)
    records: dict[str, MarketRecord] = field(default_factory=dict)
    #: Traded windows forgotten (``compact``): a late input for one is ignored, not booked afresh.
    forgotten: set[str] = field(default_factory=set)
    #: Every forgotten resolved window added up (part of the running total).
    closed_total: WindowSummary | None = None

    def ops_for(self, body: Message) -> list[Op]:
        """The ops an input body may produce (``apply`` says which of them changed anything)."""
        if isinstance(body, Fill):
            return [Op("fill", body.market, body)]
        if isinstance(body, InventoryAction):
            return [Op("inventory", body.market, body)]
        if isinstance(body, MarketRecord):
            ops = [Op("market", body.condition_id, body)]
            if body.winner_index is not None and body.winner_index < len(body.token_ids):
                ops.append(Op("resolve", body.condition_id, winner=body.token_ids[body.winner_index]))
            return ops
        if isinstance(body, MarketLifecycle) and body.phase == "resolved" and body.winning_asset_id:
            return [Op("resolve", body.condition_id, winner=body.winning_asset_id)]
        return []

    def apply(self, op: Op) -> bool:
        """Fold one op; False when it changed nothing (a duplicate, an unchanged record, a forgotten window)."""
        if op.market in self.forgotten:
            return False
        body = op.body
        if op.kind == "market":
            assert isinstance(body, MarketRecord)
            if self.records.get(op.market) == body:
                return False
            self.records[op.market] = body
            self.ledger.on_market(body)
            self.recycled_of(op.market).slug = body.slug
            return True
        if op.kind == "fill":
            assert isinstance(body, Fill)
            return self.ledger.on_fill(body)
        if op.kind == "inventory":
            assert isinstance(body, InventoryAction)
            return self._inventory(body)
        return self.ledger.on_resolution(op.market, op.winner)

    def _inventory(self, action: InventoryAction) -> bool:
        recycled = self.recycled_of(action.market)
        if action.kind == "merge":
            if not self.ledger.on_merge(action.market, action.sets_micro, action.op_id):
                return False
            recycled.merged_sets_micro += action.sets_micro
            recycled.merges += 1
        else:
            if not self.ledger.on_redeem(action.market, action.collateral_micro, action.op_id):
                return False
            recycled.redeemed_micro += action.collateral_micro
            recycled.redeems += 1
        recycled.slug = recycled.slug or action.slug
        return True

    def closable(self, now_ms: int, retention_ms: int) -> list[str]:
        """Windows over for good: ended ``retention_ms`` ago, and either resolved with no winning share
        left (redeemed; losing shares are worth nothing at no cost) or never traded at all."""
        over = []
        for market, books in self.ledger.markets.items():
            record = self.records.get(market)
            if record is None or record.window_end_ms is None or now_ms - record.window_end_ms < retention_ms:
                continue
            if books.winner is not None:
                winning = books.state.holdings.get(books.winner)
                if winning is None or winning.shares_micro <= 0:
                    over.append(market)
            elif not books.ops and not any(h.shares_micro for h in books.state.holdings.values()):
                over.append(market)
        return over

    def recycled_of(self, market: str) -> Recycled:
        return self.recycled.setdefault(market, Recycled())

    def resolved(self, market: str) -> bool:
        books = self.ledger.markets.get(market)
        return books is not None and books.winner is not None


def total_summary(summaries: list[WindowSummary], now_ms: int) -> WindowSummary:
    """Every window added up (the ``total`` field of ``state:pnl``)."""
    inventory: dict[str, int] = {}
    for s in summaries:
        for outcome, shares in s.inventory_at_resolution_micro.items():
            inventory[outcome] = inventory.get(outcome, 0) + shares
    return WindowSummary(
        market="", slug="total", winner=None,
        quotes_posted=sum(s.quotes_posted for s in summaries),
        quotes_replaced=sum(s.quotes_replaced for s in summaries),
        quotes_cancelled=sum(s.quotes_cancelled for s in summaries),
        orders_rejected=sum(s.orders_rejected for s in summaries), fills=sum(s.fills for s in summaries),
        volume_micro=sum(s.volume_micro for s in summaries), shares_micro=sum(s.shares_micro for s in summaries),
        taker_fees_paid_micro=sum(s.taker_fees_paid_micro for s in summaries),
        rebate_estimate_micro=sum(s.rebate_estimate_micro for s in summaries),
        realized_pnl_micro=sum(s.realized_pnl_micro for s in summaries),
        inventory_at_resolution_micro=inventory, at_ms=now_ms,
    )  # fmt: skip
