"""A worker's view of the windows discovery tracks, kept from the ``markets`` stream."""

from __future__ import annotations

from dataclasses import dataclass, field

from common.schemas.market import MarketLifecycle, MarketRecord

#: Phases after which a window's tokens are no longer of interest to the feeds.
DONE_PHASES = ("resolved",)


@dataclass
class MarketsView:
    """Records by condition id, and which series each token belongs to."""

    records: dict[str, MarketRecord] = field(default_factory=dict)
    series_of_token: dict[str, str] = field(default_factory=dict)

    def on_record(self, record: MarketRecord) -> list[str]:
        """Remember a record; the token ids that are new."""
        self.records[record.condition_id] = record
        new = [t for t in record.token_ids if t not in self.series_of_token]
        for token in record.token_ids:
            self.series_of_token[token] = record.series or "unknown"
        return new

    def on_lifecycle(self, event: MarketLifecycle) -> list[str]:
        """The token ids to drop when a window is done."""
        record = self.records.get(event.condition_id)
        if record is None or event.phase not in DONE_PHASES:
            return []
        del self.records[event.condition_id]
        for token in record.token_ids:
            self.series_of_token.pop(token, None)
        return list(record.token_ids)

    def tokens(self) -> list[str]:
        return list(self.series_of_token)

    def condition_ids(self) -> list[str]:
        return list(self.records)


async def load_view(redis: object) -> MarketsView:
    """Rebuild the view from ``state:markets`` on start: the stream's history is already acked."""
    from common import state

    view = MarketsView()
    for record in (await state.get_all(redis, state.MARKETS, MarketRecord)).values():
        if record.winner_index is None:
            view.on_record(record)
    return view
