"""What the executor core asks the loop to send now: cancels first, then batches of orders."""

from __future__ import annotations

from dataclasses import dataclass, field

from common.schemas.exec import ExecReport
from workers.executor.core.orders import PlaceSpec


@dataclass(slots=True)
class Step:
    """Requests to send now, cancels first. ``place_batches`` hold at most ``batch_limit`` each."""

    cancel_ids: list[str] = field(default_factory=list)
    cancel_markets: list[str] = field(default_factory=list)
    place_batches: list[list[PlaceSpec]] = field(default_factory=list)
    reports: list[ExecReport] = field(default_factory=list)
    #: Cancels of orders a fair-value move exposed (``Intent.fair_move``): order id -> the receive
    #: stamp of the frame that moved it, where their ``tick_to_cancel`` starts.
    cancel_moves: dict[str, float] = field(default_factory=dict)

    def cancel_batches(self, limit: int) -> list[list[str]]:
        """``cancel_ids`` in ``DELETE /orders`` batches of at most ``limit``."""
        return [self.cancel_ids[i : i + limit] for i in range(0, len(self.cancel_ids), limit)]

    @property
    def empty(self) -> bool:
        return not (self.cancel_ids or self.cancel_markets or self.place_batches)

    def extend(self, other: Step) -> None:
        self.cancel_ids += other.cancel_ids
        self.cancel_markets += [m for m in other.cancel_markets if m not in self.cancel_markets]
        self.place_batches += other.place_batches
        self.reports += other.reports
        self.cancel_moves.update(other.cancel_moves)
