"""The market's own mid as a forecaster (the bar) and as an input to the fair value (the blend).

* **The bar** (``pm-bbo-60s-aug2026``): about once a minute, the Up token's best bid and ask of every
  BTC 5- and 15-minute market of 2026-08-03 to 08-22; the mid's Brier score and log loss against
  the settled outcome, by minutes left. That data has no oracle price path, so no fair value is
  scored beside it there.
* **The blend** (``pm-btc5m-ladder-jul2026``: 203 BTC 5-minute windows of 2026-07-26/27, both books
  at 120, 90, 60, 45, 30, 20 and 10 s before the end with the Binance spot and the window's Binance
  open): the fair value is a normal on ``ln(spot/open)`` with the realized volatility of the
  previous ``VOL_WINDOWS`` windows' samples (walk-forward: no window sees its own moves), the lead
  feed standing in for the oracle (the basis cancels in the ratio). The blend
  ``q = σ((1 − b)·logit(fair) + b·logit(mid))`` gets the book weight ``b`` that minimises the log
  loss on one half of the windows (in time order) and is reported on the other half, both ways.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workers.alpha.calibrate_scores import brier, log_loss
from workers.alpha.core.settlement import normal_cdf
from workers.alpha.core.tails import blend_book

#: The recordings the report reads.
BOOK_FOLDERS = ("pm-bbo-60s-aug2026", "pm-btc5m-ladder-jul2026")
#: Minutes-left buckets of the bar, per market length (minutes).
MINUTE_BUCKETS = {5: (0.0, 1.0, 2.0, 3.0, 4.0, 5.0), 15: (0.0, 1.0, 2.0, 5.0, 10.0, 15.0)}
#: A book wider than this (probability) says little: its rows are left out of the bar.
MAX_SPREAD = 0.10
#: Windows whose samples make the blend's realized volatility.
VOL_WINDOWS = 12
#: Book weights searched.
BLEND_GRID = tuple(i / 20 for i in range(21))
#: The ladder's horizons, seconds before the end.
LADDER_HORIZONS_S = (120, 90, 60, 45, 30, 20, 10)
#: Resamples (whole windows) for the fitted weight's 95% interval, and their seed.
BLEND_RESAMPLES = 200
BLEND_SEED = 7
#: Probabilities of the blend inputs are kept inside [ε, 1 − ε] (a 0/1 mid has an infinite logit).
BLEND_CLIP = 1e-3


def _microprice(r: dict[str, str]) -> float | None:
    """The top sizes' weighted mid: ``(bid·ask size + ask·bid size) / (bid size + ask size)``."""
    try:
        bid, ask, bid_size, ask_size = (float(r[k]) for k in ("best_bid", "best_ask", "bid_size", "ask_size"))
    except ValueError:
        return None
    return (bid * ask_size + ask * bid_size) / (bid_size + ask_size) if bid_size + ask_size > 0 else None


def market_mid_bar(data_dir: Path) -> list[str]:
    """The Up mid's (and microprice's) Brier score and log loss by minutes left, per market length."""
    folder = data_dir / "pm-bbo-60s-aug2026"
    with gzip.open(folder / "outcomes.csv.gz", "rt", newline="") as f:
        outcome = {r["slug"]: int(float(r["yes_resolved"])) for r in csv.DictReader(f) if r["yes_resolved"]}
    rows: dict[tuple[int, int], tuple[list[float], list[float], list[int]]] = {}
    for path in sorted((folder / "snapshots").glob("*.csv.gz")):
        with gzip.open(path, "rt", newline="") as f:
            for r in csv.DictReader(f):
                minutes, length = float(r["minutes_left"]), int(r["interval_min"])
                micro = _microprice(r)
                if r["slug"] not in outcome or not r["mid"] or micro is None or not 0.0 < minutes <= length:
                    continue
                if float(r["spread"] or 1.0) > MAX_SPREAD:
                    continue
                edges = MINUTE_BUCKETS[length]
                bucket = next(i for i in range(1, len(edges)) if minutes <= edges[i])
                mids, micros, ys = rows.setdefault((length, bucket), ([], [], []))
                mids.append(float(r["mid"]))
                micros.append(micro)
                ys.append(outcome[r["slug"]])
    lines = [
        f"market mid (Up) as a forecast, {folder.name}: two-sided rows with a spread of at most {MAX_SPREAD:g}",
        f"{'market':>6} {'minutes left':>12} {'n':>6} | {'Brier mid':>9} {'micro':>6} {'coin':>6} |"
        f" {'logloss mid':>11} {'micro':>6}",
    ]
    for (length, bucket), (mids, micros, ys) in sorted(rows.items()):
        lo, hi = MINUTE_BUCKETS[length][bucket - 1], MINUTE_BUCKETS[length][bucket]
        lines.append(f"{length:>5}m {f'({lo:g}, {hi:g}]':>12} {len(ys):>6} | {brier(mids, ys):>9.4f}"
                     f" {brier(micros, ys):>6.4f} {brier([0.5] * len(ys), ys):>6.4f} | {log_loss(mids, ys):>11.4f}"
                     f" {log_loss(micros, ys):>6.4f}")  # fmt: skip
    return lines


@dataclass(frozen=True, slots=True)
class LadderPoint:
    window_ts: int
    horizon_s: int
    fair: float
    mid: float
    up_won: int


def ladder_points(data_dir: Path) -> list[LadderPoint]:
    """Every ladder sample with both a two-sided Up book and a fair value from the lead's path."""
    with gzip.open(data_dir / "pm-btc5m-ladder-jul2026" / "ladder.jsonl.gz", "rt") as f:
        windows = sorted((json.loads(line) for line in f if line.strip()), key=lambda w: w["window_ts"])
    points: list[LadderPoint] = []
    history: list[tuple[float, float]] = []  # (sum of squared log returns, seconds), one a window
    for w in windows:
        samples = sorted(w["samples"], key=lambda s: s["t"])  # t < 0: seconds to the end
        if len(history) >= VOL_WINDOWS and str(w.get("winner")).lower() in ("up", "down"):
            sq = sum(h[0] for h in history[-VOL_WINDOWS:])
            sigma = math.sqrt(sq / sum(h[1] for h in history[-VOL_WINDOWS:]))
            for s in samples:
                up = s.get("up") or {}
                bid, ask, tau = up.get("bid"), up.get("ask"), -float(s["t"])
                if not bid or not ask or tau <= 0 or not s.get("spot"):
                    continue
                fair = normal_cdf(math.log(s["spot"] / w["open_px"]) / (sigma * math.sqrt(tau)))
                points.append(LadderPoint(w["window_ts"], int(s["offset"]), fair, (bid + ask) / 2,
                                          int(str(w["winner"]).lower() == "up")))  # fmt: skip
        prev_px, prev_t, sq, secs = w["open_px"], -300.0, 0.0, 0.0
        for s in samples:
            if s.get("spot"):
                sq += math.log(s["spot"] / prev_px) ** 2
                secs += float(s["t"]) - prev_t
                prev_px, prev_t = s["spot"], float(s["t"])
        if secs > 0:
            history.append((sq, secs))
    return points


def blended(points: Sequence[LadderPoint], weight: float) -> list[float]:
    return [blend_book(p.fair, p.mid, weight, BLEND_CLIP) for p in points]


def fit_weight(points: Sequence[LadderPoint]) -> float:
    """The book weight with the lowest log loss on ``points``."""
    ys = [p.up_won for p in points]
    return min(BLEND_GRID, key=lambda b: log_loss(blended(points, b), ys))


def weight_interval(points: Sequence[LadderPoint]) -> tuple[float, float]:
    """The fitted weight's 95% bootstrap interval, whole windows resampled."""
    by_window: dict[int, list[LadderPoint]] = {}
    for p in points:
        by_window.setdefault(p.window_ts, []).append(p)
    groups = list(by_window.values())
    rng = random.Random(BLEND_SEED)
    fits = sorted(fit_weight([p for _ in groups for p in rng.choice(groups)]) for _ in range(BLEND_RESAMPLES))
    return fits[int(0.025 * len(fits))], fits[int(0.975 * len(fits)) - 1]


def blend_lines(data_dir: Path) -> list[str]:
    points = ladder_points(data_dir)
    windows = sorted({p.window_ts for p in points})
    cut = windows[len(windows) // 2]
    halves = ([p for p in points if p.window_ts < cut], [p for p in points if p.window_ts >= cut])
    lines = [
        f"blend on pm-btc5m-ladder-jul2026: {len(windows)} windows with a fair value and a two-sided Up book"
        f" (the first {VOL_WINDOWS} only warm up the volatility), split in time order;",
        f"fair = normal on ln(Binance spot / Binance open), volatility of the previous {VOL_WINDOWS} windows"
        " (the lead stands in for the oracle, its open for the strike);",
        "blend = sigmoid((1 - b)*logit(fair) + b*logit(mid)), b fitted by log loss on one half (with its 95% bootstrap",
        f"interval, whole windows resampled {BLEND_RESAMPLES} times), reported on the other half",
    ]
    for name, fit, report in (("first", halves[0], halves[1]), ("second", halves[1], halves[0])):
        b = fit_weight(fit)
        lo, hi = weight_interval(fit)
        lines.append(f"book weight fitted on the {name} half ({len(fit)} samples): b = {b:.2f} [{lo:.2f}, {hi:.2f}];"
                     f" reported on the other half ({len(report)} samples):")  # fmt: skip
        lines.append(f"{'horizon':>8} {'n':>4} | {'Brier fair':>10} {'mid':>7} {'blend':>7} |"
                     f" {'logloss fair':>12} {'mid':>7} {'blend':>7}")  # fmt: skip
        for h in (*LADDER_HORIZONS_S, 0):
            at = [p for p in report if p.horizon_s == h or h == 0]
            if not at:
                continue
            ys = [p.up_won for p in at]
            fair, mid, blend = [p.fair for p in at], [p.mid for p in at], blended(at, b)
            label = f"{h:>7}s" if h else f"{'all':>8}"
            lines.append(f"{label} {len(at):>4} | {brier(fair, ys):>10.4f} {brier(mid, ys):>7.4f}"
                         f" {brier(blend, ys):>7.4f} | {log_loss(fair, ys):>12.4f} {log_loss(mid, ys):>7.4f}"
                         f" {log_loss(blend, ys):>7.4f}")  # fmt: skip
    by_horizon = ", ".join(f"{h}s {fit_weight([p for p in points if p.horizon_s == h]):.2f}"
                           for h in LADDER_HORIZONS_S if any(p.horizon_s == h for p in points))  # fmt: skip
    lines.append(f"book weight fitted on every window: b = {fit_weight(points):.2f}; by horizon: {by_horizon}")
    return lines


def book_report(data_dir: Path) -> str:
    return "\n".join([*market_mid_bar(data_dir), "", *blend_lines(data_dir)])
