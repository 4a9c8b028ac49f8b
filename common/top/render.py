"""``updown top`` drawn with ``rich``: a :class:`~common.top.view.View` to tables (pure), to text
(for ``--once`` and tests), or to one status line (``updown run`` when stdout is not a terminal)."""

from __future__ import annotations

import io
import time

from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from common.top.view import SeriesRow, View

#: Width of the text frame printed by ``--once`` and by tests.
TEXT_WIDTH = 140


def price(micro: int | None) -> str:
    return "-" if micro is None else f"{micro / 1_000_000:.3f}"


def money(micro: int) -> str:
    return f"{micro / 1_000_000:+,.2f}"


def shares(micro: int) -> str:
    return f"{micro / 1_000_000:,.2f}"


def _clock(ms: int) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(ms / 1000))


def _ladder(rungs: tuple[tuple[str, int, int], ...]) -> str:
    return " ".join(f"{'B' if side == 'BUY' else 'S'}{price(p)}x{shares(s)}" for side, p, s in rungs) or "-"


def render(view: View) -> RenderableType:
    title = Text(f"updown top  {_clock(view.now_ms)} UTC   mode {view.trading_mode}   "
                f"day: fills {view.day_fills}  pnl {money(view.day_pnl_micro)}   "
                f"tick-to-order p50/p99 {_ms(view.tick_to_order_p50_ms)}/{_ms(view.tick_to_order_p99_ms)} ms   "
                f"tick-to-cancel {_ms(view.tick_to_cancel_p50_ms)}/{_ms(view.tick_to_cancel_p99_ms)} ms   "
                f"venue heartbeat {view.venue_heartbeat}", style="bold")  # fmt: skip
    markets = Table(title="windows", expand=True)
    markets.add_column("series", no_wrap=True)
    for column in ("window", "left", "fair Up", "regime", "outcome", "bid", "ask", "our ladder",
                   "position", "unpaired", "fills", "window pnl"):
        markets.add_column(column)
    for row in view.series:
        head = [row.series, _window(row), f"{row.time_left_ms // 1000} s", price(row.fair_up_ppm), row.regime]
        tail = [shares(row.unpaired_micro), str(row.window_fills), money(row.window_pnl_micro)]
        for i, o in enumerate(row.outcomes):
            shown = i == 0  # the window's own cells on its first outcome's row only
            markets.add_row(*(head if shown else [""] * len(head)), o.outcome, price(o.best_bid_micro),
                            price(o.best_ask_micro), _ladder(o.ladder), shares(o.shares_micro),
                            *(tail if shown else [""] * len(tail)))  # fmt: skip
    if not view.series:
        markets.add_row("(no window yet)", *[""] * 12)
    feeds = Table(title="feeds")
    for column in ("feed", "state", "for", "reason"):
        feeds.add_column(column)
    for name, state, age, reason in view.feeds:
        feeds.add_row(name, state, f"{age / 1000:.0f} s", reason[:60])
    workers = Table(title="workers")
    for column in ("worker", "state", "health age"):
        workers.add_column(column)
    for name, state, age in view.workers:
        workers.add_row(name, state, f"{age / 1000:.1f} s")
    alerts = Table(title="alerts (latest first)", expand=True)
    for column in ("severity", "kind", "where", "detail"):
        alerts.add_column(column)
    for severity, kind, where, detail in view.alerts:
        alerts.add_row(severity, kind, where, detail[:80])
    if not view.alerts:
        alerts.add_row("-", "none", "", "")
    quarantine = Text(f"quarantined markets: {', '.join(view.quarantined) or 'none'}")
    return Group(title, markets, Columns([feeds, workers]), quarantine, alerts)


def _window(row: SeriesRow) -> str:
    return f"{_clock(row.window_start_ms)}-{_clock(row.window_end_ms)}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render_text(view: View, width: int = TEXT_WIDTH) -> str:
    """The frame as plain text (no colours, no cursor moves)."""
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, force_terminal=False).print(render(view))
    return out.getvalue()


def one_line(view: View) -> str:
    """The status line of a non-interactive ``updown run``: what a log reader needs every few seconds."""
    parts = [f"mode {view.trading_mode}"]
    for row in view.series:
        books = " ".join(f"{o.outcome} {price(o.best_bid_micro)}/{price(o.best_ask_micro)} ({len(o.ladder)} ours)"
                         for o in row.outcomes)  # fmt: skip
        parts.append(f"{row.slug} {row.time_left_ms // 1000}s left fair {price(row.fair_up_ppm)} {row.regime} "
                     f"{books} fills {row.window_fills} pnl {money(row.window_pnl_micro)}")  # fmt: skip
    if not view.series:
        parts.append("waiting for the first window")
    up = sum(1 for f in view.feeds if f[1] == "up")
    running = sum(1 for w in view.workers if w[1] == "running")
    parts.append(f"feeds {up}/{len(view.feeds)} up, workers {running}/{len(view.workers)} running")
    parts.append(f"day pnl {money(view.day_pnl_micro)}")
    if view.alerts:
        parts.append(f"latest alert: {view.alerts[0][1]} {view.alerts[0][2]}")
    return " | ".join(parts)
