"""Which windows exist now, what their slugs are, and which are overdue (pure: clock injected).

A series is an asset and a window length: ``btc`` × 5m / 15m / 1h. Its windows are aligned to
multiples of their length in unix time, and a window's slug is
``{asset}-updown-{interval}-{window start in unix seconds}`` (reference §1.2; e.g.
``btc-updown-15m-1767200400``). The 1h series is assumed to follow the same pattern: the
reference documents 5m and 15m only. ``Discovery`` keeps the records Gamma returned, says which
slugs to fetch, and reports (never guesses) a window that has not been found in time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from common.clock import Clock
from common.schemas.market import MarketLifecycle, MarketRecord, MarketResolved
from common.series import Series
from workers.discovery.lifecycle import CLOSING_LEAD_MS, Lifecycle

#: How many windows ahead of the current one to track (the next one, to be ready at the roll).
WINDOWS_AHEAD = 1
#: A window not found this long before it starts is reported missing (markets exist ~24 h ahead).
MISSING_REPORT_LEAD_MS = 60_000


@dataclass(frozen=True, slots=True)
class Window:
    """One expected window of a series."""

    series: Series
    start_s: int

    @property
    def slug(self) -> str:
        return self.series.slug(self.start_s)

    @property
    def start_ms(self) -> int:
        return self.start_s * 1000

    @property
    def end_ms(self) -> int:
        return (self.start_s + self.series.length_s) * 1000


def windows_at(series: Series, now_ms: int, ahead: int = WINDOWS_AHEAD) -> list[Window]:
    """The current window of a series and the ``ahead`` next ones."""
    start_s = series.window_start_s(now_ms)
    return [Window(series, start_s + i * series.length_s) for i in range(ahead + 1)]


class Discovery:
    """The windows we want, the records we have, and the lifecycle of each window."""

    def __init__(
        self,
        series: Iterable[Series],
        clock: Clock,
        ahead: int = WINDOWS_AHEAD,
        missing_lead_ms: int = MISSING_REPORT_LEAD_MS,
        closing_lead_ms: int | None = None,
    ) -> None:
        self.series = list(series)
        self._clock = clock
        self._ahead = ahead
        self._missing_lead_ms = missing_lead_ms
        self.records: dict[str, MarketRecord] = {}
        if closing_lead_ms is None:
            # The last minute (the TWAP's averaging window), or a quarter of a shorter window.
            shortest_ms = min((x.length_s for x in self.series), default=900) * 1000
            closing_lead_ms = min(CLOSING_LEAD_MS, shortest_ms // 4)
        self.lifecycle = Lifecycle(closing_lead_ms)

    def wanted(self) -> list[Window]:
        """Every window to hold now: current and next of each series."""
        now_ms = self._clock.now_ms()
        return [w for s in self.series for w in windows_at(s, now_ms, self._ahead)]

    def to_fetch(self) -> list[Window]:
        """Wanted windows with no record yet (the loop asks Gamma for their slugs)."""
        return [w for w in self.wanted() if w.slug not in self.records]

    def missing(self) -> list[Window]:
        """Wanted windows still unknown within ``missing_lead_ms`` of their start: report these."""
        now_ms = self._clock.now_ms()
        return [w for w in self.to_fetch() if now_ms >= w.start_ms - self._missing_lead_ms]

    def series_of(self, slug: str) -> Series | None:
        """The configured series a window slug belongs to."""
        return next((s for s in self.series if slug.startswith(s.key + "-")), None)

    def on_record(self, record: MarketRecord) -> list[MarketLifecycle]:
        """A record fetched from Gamma; the lifecycle events it causes (``discovered`` first).

        The record's series is set to the configured series' key (``btc-updown-15m``), the name
        the bus uses, whatever Gamma calls its series (``btc-up-or-down-15m``).
        """
        if record.window_start_ms is None or record.window_end_ms is None:
            raise ValueError(f"{record.slug}: a window record needs its start and end")
        series = self.series_of(record.slug)
        if series is not None and record.series != series.key:
            record = record.model_copy(update={"series": series.key})
        self.records[record.slug] = record
        return self.lifecycle.on_record(record, self._clock.now_ms())

    def on_resolved(self, notice: MarketResolved) -> list[MarketLifecycle]:
        """The market websocket's ``market_resolved`` for one of our windows."""
        return self.lifecycle.on_ws_resolved(notice, self._clock.now_ms())

    def tick(self) -> list[MarketLifecycle]:
        """Advance every window by the clock; call it often (every second or so)."""
        return self.lifecycle.on_clock(self._clock.now_ms())

    def prune(self, keep_after_end_ms: int) -> list[str]:
        """Forget resolved windows that ended more than ``keep_after_end_ms`` ago; their slugs."""
        now_ms = self._clock.now_ms()
        gone = [
            slug
            for slug, record in self.records.items()
            if self.lifecycle.phase(slug) == "resolved"
            and record.window_end_ms is not None
            and now_ms - record.window_end_ms > keep_after_end_ms
        ]
        for slug in gone:
            del self.records[slug]
            self.lifecycle.forget(slug)
        return gone
