"""The quoter's half-spread from measured adverse selection: markouts of its maker fills by time left
and distance from the mid, and the half-spread table fitted from them.

    python -m backtest.markouts [--strategy quoter] [--horizon-s 30] [--write FILE] OUT [OUT ...]

Each ``OUT`` is an ``updown backtest --out`` folder (its ``fills.csv``: the settled windows' fills
with their markouts). A maker BUY filled ``d`` below the outcome's mid earns ``d`` at once and then
the markout ``m_h`` (the mid's move over ``h`` seconds, negative when the fill was adverse): it pays
from ``d ≥ −m_h − rebate``. So the fitted half-spread of a time-left bucket is the size-weighted
mean adverse selection of the maker fills in it, ``−m_h``, less the maker rebate per share the
same fills earned (``windows.csv``), never below ``--floor-micro`` (the least edge kept) nor above
``--cap-micro``, rounded up to a micro-pUSD. ``--write`` writes the ``[strategy.quoter]`` lines that
set it (``half_spread_source = "measured"``): paste them into ``conf/base.toml`` (or a series' own
section). Fills carry no ladder level; the distance from the mid stands for it.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

from backtest.scorecard import HORIZONS_S

#: Upper bounds of the time-left buckets (seconds): the last minute (the endgame and the TWAP's
#: averaging), the last three, the middle of a 15-minute window, its first half.
TIME_LEFT_BOUNDS_S = (60, 180, 450, 900)
#: Upper bounds of the distance-from-mid buckets (micro-pUSD below the mid): at the mid or one cent,
#: two, four, deeper.
DISTANCE_BOUNDS_MICRO = (10_000, 20_000, 40_000, 1_000_000)
#: Default least and most half-spread fitted (micro-pUSD): one tick of edge, and the 0.05 the
#: alpha's 0.90 target-total floor gives.
FLOOR_MICRO = 10_000
CAP_MICRO = 50_000
MICRO = 1_000_000
SLUG = re.compile(r"-(\d+)m-(\d+)$")


def time_left_s(slug: str, at_ms: int) -> int:
    """Seconds from ``at_ms`` to the end of the window the slug names (``btc-updown-15m-<start s>``)."""
    match = SLUG.search(slug)
    if match is None:
        raise ValueError(f"not a window slug: {slug}")
    return int(match.group(2)) + int(match.group(1)) * 60 - at_ms // 1000


def bucket(value: int, bounds: tuple[int, ...]) -> int:
    return next((i for i, b in enumerate(bounds) if value <= b), len(bounds) - 1)


class Cell:
    """Size-weighted sums of one bucket's fills."""

    __slots__ = ("fills", "markout_num", "shares", "spread_num")

    def __init__(self) -> None:
        self.fills = self.shares = self.spread_num = self.markout_num = 0

    def add(self, size: int, spread: int, markout: int) -> None:
        self.fills += 1
        self.shares += size
        self.spread_num += spread * size
        self.markout_num += markout * size

    def markout(self) -> int:
        return self.markout_num // self.shares if self.shares else 0

    def spread(self) -> int:
        return self.spread_num // self.shares if self.shares else 0


def measure(outs: list[Path], strategy: str, horizon_s: int) -> tuple[dict[tuple[int, int], Cell], int]:
    """Cells by (time-left bucket, distance bucket) of the strategy's maker BUY fills, and the maker
    rebate per filled share (micro-pUSD) over the same folders' settled windows."""
    column = f"markout_{horizon_s}s_per_share_micro"
    cells: dict[tuple[int, int], Cell] = defaultdict(Cell)
    for out in outs:
        with (out / "fills.csv").open() as f:
            for row in csv.DictReader(f):
                if row["strategy"] != strategy or row["maker"] != "1" or row["side"] != "BUY" or not row["mid_micro"]:
                    continue
                key = (bucket(time_left_s(row["window"], int(row["at_ms"])), TIME_LEFT_BOUNDS_S),
                       bucket(int(row["spread_per_share_micro"]), DISTANCE_BOUNDS_MICRO))  # fmt: skip
                cells[key].add(int(row["size_micro"]), int(row["spread_per_share_micro"]), int(row[column]))
    rebate = shares = 0
    for out in outs:
        with (out / "windows.csv").open() as f:
            for row in csv.DictReader(f):
                if row["strategy"] == strategy and row["settled"] == "1":
                    rebate += int(row["rebate_micro"])
                    shares += int(row["maker_filled_micro"])
    return cells, rebate * MICRO // shares if shares else 0


def fit(cells: dict[tuple[int, int], Cell], rebate_per_share: int, floor: int, cap: int) -> list[int]:
    """The half-spread per time-left bucket: −(mean markout) − rebate, inside [floor, cap]."""
    table = []
    for t in range(len(TIME_LEFT_BOUNDS_S)):
        merged = Cell()
        for (tb, _), cell in cells.items():
            if tb == t:
                merged.shares += cell.shares
                merged.markout_num += cell.markout_num
        half = -merged.markout() - rebate_per_share if merged.shares else cap
        table.append(max(floor, min(cap, half)))
    return table


def render(cells: dict[tuple[int, int], Cell], horizon_s: int) -> list[str]:
    lines = [f"maker BUY fills: mean spread / markout at {horizon_s} s per share (pUSD), shares; "
             "rows: seconds left, columns: distance below the mid"]  # fmt: skip
    head = ["left_s", *[f"≤{b / MICRO:.2f}" for b in DISTANCE_BOUNDS_MICRO]]
    rows = [head]
    for t, bound in enumerate(TIME_LEFT_BOUNDS_S):
        row = [f"≤{bound}"]
        for d in range(len(DISTANCE_BOUNDS_MICRO)):
            c = cells.get((t, d))
            row.append(f"{c.spread() / MICRO:+.3f}/{c.markout() / MICRO:+.3f} {c.shares / MICRO:.0f}" if c else "-")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return lines + ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]


def toml_lines(table: list[int], horizon_s: int, outs: list[Path]) -> list[str]:
    return [f"# fitted by python -m backtest.markouts --horizon-s {horizon_s} on {' '.join(map(str, outs))}",
            'half_spread_source = "measured"',
            f"measured_time_left_s = [{', '.join(f'{b:_}' for b in TIME_LEFT_BOUNDS_S)}]",
            f"measured_half_spread_micro = [{', '.join(f'{h:_}' for h in table)}]"]  # fmt: skip


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m backtest.markouts", description=__doc__.splitlines()[0])
    ap.add_argument("outs", nargs="+", type=Path, help="updown backtest --out folders")
    ap.add_argument("--strategy", default="quoter")
    ap.add_argument("--horizon-s", type=int, default=30, choices=HORIZONS_S)
    ap.add_argument("--floor-micro", type=int, default=FLOOR_MICRO)
    ap.add_argument("--cap-micro", type=int, default=CAP_MICRO)
    ap.add_argument("--write", type=Path, help="write the [strategy.quoter] lines here")
    args = ap.parse_args(argv)
    missing = [str(o) for o in args.outs if not (o / "fills.csv").is_file()]
    if missing:
        print(f"no fills.csv in: {', '.join(missing)}", file=sys.stderr)
        return 2
    cells, rebate = measure(args.outs, args.strategy, args.horizon_s)
    table = fit(cells, rebate, args.floor_micro, args.cap_micro)
    lines = [*render(cells, args.horizon_s), f"maker rebate per filled share: {rebate / MICRO:.4f}", "",
             "[strategy.quoter]", *toml_lines(table, args.horizon_s, args.outs)]  # fmt: skip
    print("\n".join(lines))
    if args.write:
        args.write.write_text("[strategy.quoter]\n" + "\n".join(toml_lines(table, args.horizon_s, args.outs)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
