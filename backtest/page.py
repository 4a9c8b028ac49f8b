"""The scorecard as one self-contained HTML page: inline SVG charts, no script, no dependency.

Two charts: PnL over time per strategy (cash, holdings marked to the mid, settled windows' rebates
and rewards), and the markout curve (the mean move of the mid after our fills, per share, at 1, 5,
30 and 60 s and at the settlement); then the tables.
"""

from __future__ import annotations

import html

from backtest.report import COLUMNS, buckets, cells, usd, winner
from backtest.scorecard import HORIZONS_S, Card
from backtest.types import Run
from common.money import MICRO_PER_UNIT as MICRO

COLOURS = {"quoter": "#1f77b4", "quoter-v1": "#9467bd", "bands": "#ff7f0e", "touch": "#2ca02c"}
WIDTH, HEIGHT, PAD = 760, 280, 48
#: Room right of the plot for the legend.
LEGEND_W = 120
#: The PnL line keeps about this many of the per-second samples (a day would make a heavy page).
CHART_POINTS = 1_000


def _colour(name: str) -> str:
    return COLOURS.get(name, "#7f7f7f")


def _axes(title: str, x_label: str, y_lo: float, y_hi: float) -> list[str]:
    parts = [f'<text x="{PAD}" y="16" font-weight="bold">{html.escape(title)}</text>',
             f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - LEGEND_W}" y2="{HEIGHT - PAD}" stroke="#999"/>',
             f'<line x1="{PAD}" y1="24" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>',
             f'<text x="{WIDTH // 2}" y="{HEIGHT - 8}" text-anchor="middle">{html.escape(x_label)}</text>',
             f'<text x="4" y="30">{y_hi:.2f}</text>', f'<text x="4" y="{HEIGHT - PAD}">{y_lo:.2f}</text>']  # fmt: skip
    if y_lo < 0 < y_hi:
        y0 = _y(0.0, y_lo, y_hi)
        parts.append(
            f'<line x1="{PAD}" y1="{y0:.1f}" x2="{WIDTH - LEGEND_W}" y2="{y0:.1f}" stroke="#ccc" stroke-dasharray="4"/>'
        )
    return parts


def _y(v: float, lo: float, hi: float) -> float:
    return HEIGHT - PAD - (v - lo) / (hi - lo or 1.0) * (HEIGHT - PAD - 24)


def _x(i: float, n: float) -> float:
    return PAD + i / (n or 1.0) * (WIDTH - PAD - LEGEND_W)


def _legend(names: list[str]) -> list[str]:
    return [f'<text x="{WIDTH - LEGEND_W + 20}" y="{40 + 16 * i}" fill="{_colour(n)}">{html.escape(n)}</text>'
            for i, n in enumerate(names)]  # fmt: skip


def pnl_chart(runs: list[Run]) -> str:
    points = [(ms, e / MICRO) for run in runs for ms, e in run.equity]
    if not points:
        return "<p>No samples.</p>"
    t0, t1 = min(p[0] for p in points), max(p[0] for p in points)
    lo, hi = min(0.0, *(p[1] for p in points)), max(0.0, *(p[1] for p in points))
    parts = _axes("PnL over time (pUSD)", f"seconds from the start ({(t1 - t0) // 1000} s)", lo, hi)
    for run in runs:
        every = max(1, len(run.equity) // CHART_POINTS)
        kept = run.equity[::every] + run.equity[-1:]
        line = " ".join(f"{_x(ms - t0, t1 - t0):.1f},{_y(e / MICRO, lo, hi):.1f}" for ms, e in kept)
        parts.append(f'<polyline fill="none" stroke="{_colour(run.strategy)}" stroke-width="2" points="{line}"/>')
    parts += _legend([r.strategy for r in runs])
    return f'<svg width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">{"".join(parts)}</svg>'


def markout_chart(cards: list[Card]) -> str:
    labels = ["fill", *(f"{h}s" for h in HORIZONS_S), "settle"]
    curves = {}
    for c in cards:
        shares = sum(mk.fill.size_micro for mk in c.markouts)
        if not shares:
            continue
        means = [sum(mk.markouts_per_share[i] * mk.fill.size_micro for mk in c.markouts) / shares / 10_000
                 for i in range(len(HORIZONS_S))]  # fmt: skip
        final = sum(mk.settle_per_share * mk.fill.size_micro for mk in c.markouts) / shares / 10_000
        curves[c.strategy] = [0.0, *means, final]
    if not curves:
        return "<p>No fills.</p>"
    values = [v for curve in curves.values() for v in curve]
    lo, hi = min(values), max(values)
    parts = _axes("Markout of our fills: mean mid move after a fill (cents per share)", "horizon", lo, hi)
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{_x(i, len(labels) - 1):.1f}" y="{HEIGHT - PAD + 14}" text-anchor="middle">{label}</text>'
        )
    for name, curve in curves.items():
        line = " ".join(f"{_x(i, len(labels) - 1):.1f},{_y(v, lo, hi):.1f}" for i, v in enumerate(curve))
        parts.append(f'<polyline fill="none" stroke="{_colour(name)}" stroke-width="2" points="{line}"/>')
    parts += _legend(list(curves))
    return f'<svg width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">{"".join(parts)}</svg>'


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def page(title: str, notes: list[str], runs: list[Run], cards: list[Card]) -> str:
    totals = _table(["strategy", *COLUMNS, "capital", "recycled"],
                    [[c.strategy, *cells(c.total), usd(c.total.capital_used_micro), usd(c.total.recycled_micro)]
                     for c in cards])  # fmt: skip
    sections = []
    for run, c in zip(runs, cards, strict=True):
        rows = [[m.record.slug, winner(m), *cells(s)] for m, s in c.rows]
        found = buckets(c, {m.record.slug: m for m in run.markets})
        bucket_rows = [[d, b, usd(sh), f"{f / 10_000:.2f}", f"{s / 10_000:.2f}"] for d, b, sh, f, s in found]
        sections.append(f"<h2>{html.escape(c.strategy)}</h2>" + _table(["window", "winner", *COLUMNS], rows)
                        + "<h3>Markouts by distance from the mid and time left (cents per share)</h3>"
                        + _table(["by", "bucket", "shares", "5 s", "settlement"], bucket_rows))  # fmt: skip
    note_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    style = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child{text-align:left}"
    )
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1><ul>{note_html}</ul>"
            f"{pnl_chart(runs)}<br>{markout_chart(cards)}<h2>Totals</h2>{totals}{''.join(sections)}"
            "<p>Columns: money in pUSD; fill% = maker shares filled / shares quoted; up% = share of the window "
            "with bids on both outcomes; band% = seconds with an order scoring for rewards; mkNs = markout at N s "
            "(mid move after our fills, times size; negative = adverse selection); to_settle = settlement minus "
            "mid at fill; PnL = spread + to_settle - fees + rebate + reward.</p></body></html>\n")  # fmt: skip
