"""Windows of a series: created ahead of time, given a strike at their start, closed at their end,
and resolved some time after it by the series' rule.

Slugs follow the venue: ``<asset>-updown-<label>-<window start, unix s>`` with the venue's labels
(``5m``, ``15m``, ``1h``, ``4h``) and ``<n>s`` for any other length (``btc-updown-60s-1780876800``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sim.world.config import ResolutionRule, SeriesConfig
from sim.world.ids import MarketIds, derive_ids

UP, DOWN = 0, 1
#: How often resolved windows past their keep time are dropped.
FORGET_EVERY_S = 60


class ReferenceView(Protocol):
    def published_through_s(self) -> int: ...

    def value_at_or_before(self, s: int) -> int | None: ...

    def published_twap(self, s: int) -> int | None: ...


@dataclass
class Window:
    series: SeriesConfig
    slug: str
    ids: MarketIds
    start_s: int
    end_s: int
    created_s: int
    strike_e18: int | None = None  # priceToBeat
    final_e18: int | None = None  # finalPrice
    winner: int | None = None  # UP or DOWN once resolved
    closed: bool = False
    resolved_s: int | None = None

    @property
    def resolved(self) -> bool:
        return self.winner is not None

    @property
    def accepting_orders(self) -> bool:
        return not self.closed


class ActionKind(StrEnum):
    CREATE = "create"
    STRIKE = "strike"
    CLOSE = "close"
    RESOLVE = "resolve"


@dataclass(frozen=True)
class WindowAction:
    kind: ActionKind
    window: Window


def window_slug(series: SeriesConfig, start_s: int) -> str:
    return f"{series.asset}-updown-{series.label}-{start_s}"


def settlement_value(rule: ResolutionRule, ref: ReferenceView, s: int) -> int | None:
    """The price a rule reads at a window boundary: the TWAP print published for s (the emulator's
    own sampling, ``sim.world.twap``), or the latest report at or before s."""
    return ref.published_twap(s) if rule is ResolutionRule.TWAP else ref.value_at_or_before(s)


def winner_of(strike_e18: int, final_e18: int) -> int:
    """Up iff the final price is at or above the strike: ties go to Up under both rules."""
    return UP if final_e18 >= strike_e18 else DOWN


class SeriesSchedule:
    """The windows of one series and their life cycle, driven by ``advance(now_s, ref)``."""

    def __init__(self, series: SeriesConfig, seed: int, keep_s: int,
                 id_maker: Callable[[str], MarketIds] | None = None) -> None:
        self.series = series
        self._ids = id_maker or (lambda slug: derive_ids(seed, slug))
        self._keep_s = keep_s
        self.windows: dict[int, Window] = {}  # by start second
        self._unresolved: dict[int, Window] = {}
        self._delay_s = series.delay_s
        self._forgot_s = 0

    def advance(self, now_s: int, ref: ReferenceView) -> list[WindowAction]:
        out: list[WindowAction] = []
        w = self.series.window_s
        current = now_s // w * w
        for k in range(self.series.windows_ahead + 1):
            start = current + k * w
            if start not in self.windows:
                slug = window_slug(self.series, start)
                window = Window(self.series, slug, self._ids(slug), start, start + w, now_s)
                self.windows[start] = window
                self._unresolved[start] = window
                out.append(WindowAction(ActionKind.CREATE, window))
        published = ref.published_through_s()
        for start in sorted(self._unresolved):
            window = self._unresolved[start]
            out.extend(self._progress(window, now_s, published, ref))
            if window.resolved:
                del self._unresolved[start]
        if now_s - self._forgot_s >= FORGET_EVERY_S:
            self._forgot_s = now_s
            self._forget(now_s)
        return out

    def _progress(self, window: Window, now_s: int, published: int, ref: ReferenceView) -> list[WindowAction]:
        rule = self.series.rule
        out: list[WindowAction] = []
        if window.strike_e18 is None and published >= window.start_s:
            window.strike_e18 = settlement_value(rule, ref, window.start_s)
            if window.strike_e18 is not None:
                out.append(WindowAction(ActionKind.STRIKE, window))
        if not window.closed and now_s >= window.end_s:
            window.closed = True
            out.append(WindowAction(ActionKind.CLOSE, window))
        due = now_s >= window.end_s + self._delay_s and published >= window.end_s
        if due and not window.resolved and window.strike_e18 is not None:
            final = settlement_value(rule, ref, window.end_s)
            if final is not None:
                window.final_e18 = final
                window.winner = winner_of(window.strike_e18, final)
                window.resolved_s = now_s
                out.append(WindowAction(ActionKind.RESOLVE, window))
        return out

    def _forget(self, now_s: int) -> None:
        keep = self._keep_s
        old = [s for s, w in self.windows.items() if w.resolved_s is not None and now_s - w.resolved_s > keep]
        for s in old:
            del self.windows[s]
