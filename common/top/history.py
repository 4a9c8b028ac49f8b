"""What the page's charts draw, kept from one view to the next (pure: views in, points out).

Per window (by slug): the fair value of Up, the Up book's mid and our quotes on the Up scale (our
best bid on Up; our best ask: the lower of our best Up sell and one minus our best Down bid, which
sells Up in effect). For the day: the day's PnL. Points are ``[t_ms, value_micro, ...]`` with
``None`` where unknown, all integers (ppm and micro-units share one scale: 1_000_000 is 1).

Memory is bounded: a series past its cap is thinned (every other point dropped), so a long day
keeps its whole shape at a coarser step; only the newest windows are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from common.top.view import DAY_MS, SeriesRow, View

#: One pUSD, in micro-units (and probability 1 in ppm).
ONE_MICRO = 1_000_000
#: Points kept per window before thinning (a 15-minute window sampled every second has 900).
WINDOW_POINTS_MAX = 2_000
#: Points kept of the day's PnL before thinning.
DAY_POINTS_MAX = 2_000
#: How many windows' charts are kept (the oldest goes first).
WINDOWS_KEPT = 8

Point = list[int | None]


def window_point(row: SeriesRow, now_ms: int) -> Point:
    """``[t_ms, fair, book mid, our bid, our ask]`` of one series' window, on the Up scale."""
    up = next((o for o in row.outcomes if o.outcome.lower() == "up"), row.outcomes[0] if row.outcomes else None)
    down = next((o for o in row.outcomes if o is not up), None)
    mid = None
    if up is not None and up.best_bid_micro is not None and up.best_ask_micro is not None:
        mid = (up.best_bid_micro + up.best_ask_micro) // 2
    our_bid = max((p for side, p, _ in up.ladder if side == "BUY"), default=None) if up else None
    asks = [p for side, p, _ in up.ladder if side == "SELL"] if up else []
    asks += [ONE_MICRO - p for side, p, _ in down.ladder if side == "BUY"] if down else []
    return [now_ms, row.fair_up_ppm, mid, our_bid, min(asks, default=None)]


def _thin(points: list[Point], cap: int) -> list[Point]:
    """Every other point once past ``cap`` (the newest always kept)."""
    return points if len(points) <= cap else [*points[-2::-2][::-1], points[-1]]


@dataclass
class History:
    """The charts' points since this process started (mutable: one sampler adds, pages read)."""

    windows: dict[str, list[Point]] = field(default_factory=dict)
    day: list[Point] = field(default_factory=list)

    def add(self, view: View) -> dict[str, object]:
        """Take one view; return the points it added (``{"windows": {slug: point}, "day": point}``)."""
        added: dict[str, Point] = {}
        for row in view.series:
            if not row.window_start_ms <= view.now_ms < row.window_end_ms:
                continue  # the next window, not open yet: nothing to draw
            point = window_point(row, view.now_ms)
            points = self.windows.setdefault(row.slug, [])
            points.append(point)
            self.windows[row.slug] = _thin(points, WINDOW_POINTS_MAX)
            added[row.slug] = point
        for slug in list(self.windows)[:-WINDOWS_KEPT]:
            del self.windows[slug]
        day_start = view.now_ms - view.now_ms % DAY_MS
        self.day = _thin([p for p in self.day if (p[0] or 0) >= day_start] + [[view.now_ms, view.day_pnl_micro]],
                         DAY_POINTS_MAX)  # fmt: skip
        return {"windows": added, "day": self.day[-1]}

    def as_json(self) -> dict[str, object]:
        return {"windows": self.windows, "day": self.day}
