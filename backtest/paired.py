"""Two strategies, or one strategy under two settings, compared window by window.

    python -m backtest.paired A B OUT[,OUT_B] [OUT[,OUT_B] ...]

``A`` is a strategy in each ``OUT`` (an ``updown backtest --out`` folder), ``B`` one in ``OUT_B``
(``OUT`` itself when not given), so a run with ``--set`` can be held against the defaults' run of
the same recording. Over the windows both settled: the mean per window of A, and of A − B with its
standard error, for the PnL, its parts, the shares bought, the fills and the unpaired shares left at
the end; then both strategies' maker fills by the time left in their window, each bucket's spread
plus ``to_settle`` (what the fill made at resolution against the mid when it filled) per share.
Money in pUSD.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

from backtest.pool import MICRO, _mean, _stderr, window_start_s

#: The columns compared, by label, and whether they are micro-units.
COLUMNS = (("PnL", "pnl_micro"), ("spread", "spread_micro"), ("to_settle", "settle_markout_micro"),
           ("rebate", "rebate_micro"), ("shares", "shares_micro"), ("fills", "fills"),
           ("unp_end", "unpaired_end_micro"))  # fmt: skip
#: Upper bounds of the time-left buckets of the fills (seconds).
TIME_LEFT_S = (60, 180, 450, 900, 3600, 86_400)
#: A window's length by the slug's series part (``btc-updown-15m-<start>``).
WINDOW_S = {"5m": 300, "15m": 900, "1h": 3600, "4h": 14_400}


def windows(out: Path, strategy: str) -> dict[str, dict[str, str]]:
    with (out / "windows.csv").open() as f:
        return {r["window"]: r for r in csv.DictReader(f) if r["strategy"] == strategy and r["settled"] == "1"}


def window_end_ms(slug: str) -> int:
    length = WINDOW_S.get(slug.rsplit("-", 2)[-2], 900)
    return (window_start_s(slug) + length) * 1000


def fills_by_time_left(out: Path, strategy: str, settled: set[str]) -> dict[int, tuple[int, int]]:
    """Per time-left bucket: (shares, spread + to_settle) of the maker fills in ``settled`` windows (micro)."""
    buckets: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    with (out / "fills.csv").open() as f:
        for r in csv.DictReader(f):
            if r["strategy"] != strategy or r["window"] not in settled or r["maker"] != "1":
                continue
            if not r["settle_per_share_micro"] or not r["spread_per_share_micro"]:
                continue
            left_s = (window_end_ms(r["window"]) - int(r["at_ms"])) / 1000
            bound = next((b for b in TIME_LEFT_S if left_s <= b), TIME_LEFT_S[-1])
            size = int(r["size_micro"])
            per_share = int(r["spread_per_share_micro"]) + int(r["settle_per_share_micro"])
            buckets[bound][0] += size
            buckets[bound][1] += size * per_share // MICRO
    return {b: (s, v) for b, (s, v) in buckets.items()}


def compare(a: str, b: str, pairs: list[tuple[Path, Path]]) -> list[str]:
    rows: list[tuple[dict[str, str], dict[str, str]]] = []
    #: Per side (A, B), per time-left bucket: [shares, spread + to_settle] (micro).
    fills: tuple[dict[int, list[int]], dict[int, list[int]]] = (
        defaultdict(lambda: [0, 0]),
        defaultdict(lambda: [0, 0]),
    )
    for out_a, out_b in pairs:
        wa, wb = windows(out_a, a), windows(out_b, b)
        common = sorted(wa.keys() & wb.keys(), key=window_start_s)
        rows += [(wa[k], wb[k]) for k in common]
        for side, name, out in ((0, a, out_a), (1, b, out_b)):
            for bound, (shares, value) in fills_by_time_left(out, name, set(common)).items():
                fills[side][bound][0] += shares
                fills[side][bound][1] += value
    lines = [f"A = {a}, B = {b}: {len(rows)} windows settled in both; mean per window of A and A − B ± se (pUSD)"]
    for label, col in COLUMNS:
        scale = MICRO if col.endswith("_micro") else 1
        mine = [int(x.get(col) or 0) / scale for x, _ in rows]
        diffs = [(int(x.get(col) or 0) - int(y.get(col) or 0)) / scale for x, y in rows]
        lines.append(f"  {label:9s} {_mean(mine):9.2f}  {_mean(diffs):+8.2f} ± {_stderr(diffs):.2f}")
    lines.append("maker fills by seconds left: shares, spread + to_settle per share")
    for bound in sorted(fills[0].keys() | fills[1].keys()):
        cells = []
        for label, of_side in (("A", fills[0]), ("B", fills[1])):
            shares, value = of_side.get(bound, [0, 0])
            cells.append(f"{label} {shares / MICRO:8.0f} {value / shares if shares else 0.0:+.3f}")
        lines.append(f"  ≤{bound:<6d} " + "   ".join(cells))
    return lines


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("usage: python -m backtest.paired A B OUT[,OUT_B] [OUT[,OUT_B] ...]", file=sys.stderr)
        return 2
    a, b = argv[0], argv[1]
    pairs = []
    for arg in argv[2:]:
        first, _, second = arg.partition(",")
        pairs.append((Path(first), Path(second or first)))
    missing = [str(p) for pair in pairs for p in pair if not (p / "windows.csv").is_file()]
    if missing:
        print(f"no windows.csv in: {', '.join(missing)}", file=sys.stderr)
        return 2
    print("\n".join(compare(a, b, pairs)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
