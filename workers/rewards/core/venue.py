"""The venue's word on which orders score (``POST /orders-scoring`` → ``{orderId: bool}``).

Our estimate is a model of the venue's rule; the venue's answer is the fact. Each order's record
keeps both, the venue's answer wins, and a disagreement is counted so that a drifting model shows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from workers.rewards.core.types import OrderScore, OutcomeName, QSide

#: Order ids per ``/orders-scoring`` request. The venue's own cap is not documented (UNCERTAIN);
#: this stays well under the 3000 ids the SDK allows in one cancel.
SCORING_BATCH_SIZE = 100


@dataclass(frozen=True, slots=True)
class ScoringRecord:
    """One order: what we estimated, what the venue said, and which one counts."""

    order_id: str
    outcome: OutcomeName
    q_side: QSide
    estimated: bool
    #: None when the venue's answer did not mention the order.
    venue: bool | None
    reason: str

    @property
    def scoring(self) -> bool:
        return self.estimated if self.venue is None else self.venue

    @property
    def mismatch(self) -> bool:
        return self.venue is not None and self.venue != self.estimated


def scoring_batches(order_ids: Sequence[str], size: int = SCORING_BATCH_SIZE) -> Iterator[list[str]]:
    """The ids in request-sized batches, in order, without duplicates."""
    unique = list(dict.fromkeys(order_ids))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


def reconcile(estimates: Sequence[OrderScore], venue: Mapping[str, bool]) -> tuple[tuple[ScoringRecord, ...], int]:
    """Per-order records with the venue's answer applied, and the number of disagreements."""
    records = tuple(
        ScoringRecord(e.order_id, e.outcome, e.q_side, e.scoring, venue.get(e.order_id), e.reason) for e in estimates
    )
    return records, sum(1 for r in records if r.mismatch)


def scoring_sides(records: Sequence[ScoringRecord]) -> tuple[bool, bool]:
    """Whether some order scores on side one (Up-frame bids) and on side two (Up-frame asks)."""
    one = any(r.scoring and r.q_side == "one" for r in records)
    two = any(r.scoring and r.q_side == "two" for r in records)
    return one, two
