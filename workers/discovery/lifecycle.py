"""The lifecycle of each window: discovered → open → closing → closed → resolved (pure).

Phases only move forward. The clock moves a window to ``open`` at its start, ``closing`` a lead
time before its end, and ``closed`` at its end; Gamma (``closed``, the payout in
``outcomePrices``) and the market websocket's ``market_resolved`` move it to ``closed`` or
``resolved`` with the winner. When a signal jumps several phases, only the target is emitted,
except that ``closed`` is always emitted before ``resolved`` (so a consumer that stops quoting on
``closed`` never misses it), and ``discovered`` is always a window's first event. A window seen
first when already over therefore never shows ``open``.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.schemas.market import PHASES, MarketLifecycle, MarketRecord, MarketResolved, Phase

#: A window is ``closing`` this long before its end: the TWAP's last minute (reference §9.2).
CLOSING_LEAD_MS = 60_000

_RANK = {phase: rank for rank, phase in enumerate(PHASES)}


@dataclass(slots=True)
class _Window:
    record: MarketRecord
    phase: Phase
    winner_index: int | None = None


class Lifecycle:
    """Phases of every known window, advanced by records, the clock and resolution notices."""

    def __init__(self, closing_lead_ms: int = CLOSING_LEAD_MS) -> None:
        self.closing_lead_ms = closing_lead_ms
        self._windows: dict[str, _Window] = {}

    def phase(self, slug: str) -> Phase | None:
        window = self._windows.get(slug)
        return window.phase if window else None

    def forget(self, slug: str) -> None:
        self._windows.pop(slug, None)

    def clock_phase(self, record: MarketRecord, now_ms: int) -> Phase:
        """The phase the clock alone gives a window."""
        start_ms, end_ms = record.window_start_ms, record.window_end_ms
        if start_ms is None or end_ms is None or now_ms < start_ms:
            return "discovered"
        if now_ms >= end_ms:
            return "closed"
        return "closing" if now_ms >= end_ms - self.closing_lead_ms else "open"

    def on_record(self, record: MarketRecord, now_ms: int) -> list[MarketLifecycle]:
        """A (new or refreshed) Gamma record of a window."""
        events: list[MarketLifecycle] = []
        window = self._windows.get(record.slug)
        if window is None:
            window = self._windows[record.slug] = _Window(record=record, phase="discovered")
            events.append(self._event(window, "discovered", now_ms, "gamma"))
        else:
            window.record = record
        clock = self.clock_phase(record, now_ms)
        gamma: Phase = "discovered"
        if record.closed:
            gamma = "resolved" if record.winner_index is not None else "closed"
            window.winner_index = record.winner_index
        target, cause = (gamma, "gamma") if _RANK[gamma] > _RANK[clock] else (clock, "clock")
        return events + self._advance(window, target, now_ms, cause)

    def on_clock(self, now_ms: int) -> list[MarketLifecycle]:
        """Move every window the clock has moved."""
        events: list[MarketLifecycle] = []
        for window in self._windows.values():
            events += self._advance(window, self.clock_phase(window.record, now_ms), now_ms, "clock")
        return events

    def on_ws_resolved(self, notice: MarketResolved, now_ms: int) -> list[MarketLifecycle]:
        """The venue's ``market_resolved`` notice; ignored for a market we do not track."""
        for window in self._windows.values():
            if window.record.condition_id == notice.market:
                window.winner_index = _winner_index(window.record, notice)
                return self._advance(window, "resolved", now_ms, "ws", notice)
        return []

    def _advance(
        self,
        window: _Window,
        target: Phase,
        now_ms: int,
        cause: str,
        notice: MarketResolved | None = None,
    ) -> list[MarketLifecycle]:
        if _RANK[target] <= _RANK[window.phase]:
            return []
        events = []
        if target == "resolved" and _RANK[window.phase] < _RANK["closed"]:
            events.append(self._event(window, "closed", now_ms, cause))
        window.phase = target
        events.append(self._event(window, target, now_ms, cause, notice))
        return events

    @staticmethod
    def _event(
        window: _Window, phase: Phase, now_ms: int, cause: str, notice: MarketResolved | None = None
    ) -> MarketLifecycle:
        record = window.record
        winner = window.winner_index if phase == "resolved" else None
        winning_asset = record.token_ids[winner] if winner is not None else None
        winning_outcome = record.outcomes[winner] if winner is not None else None
        if phase == "resolved" and notice is not None and winner is None:
            winning_asset, winning_outcome = notice.winning_asset_id, notice.winning_outcome
        return MarketLifecycle(
            series=record.series,
            slug=record.slug,
            condition_id=record.condition_id,
            phase=phase,
            window_start_ms=record.window_start_ms,
            window_end_ms=record.window_end_ms,
            at_ms=now_ms,
            cause=cause,
            winner_index=winner,
            winning_asset_id=winning_asset,
            winning_outcome=winning_outcome,
        )


def _winner_index(record: MarketRecord, notice: MarketResolved) -> int | None:
    if notice.winning_asset_id in record.token_ids:
        return record.token_ids.index(notice.winning_asset_id)
    if notice.winning_outcome in record.outcomes:
        return record.outcomes.index(notice.winning_outcome)
    return None
