"""The realism table: each statistic of the emulator beside the real data's, with a pass or a fail
against a stated tolerance (README: "The emulator's realism").

A statistic passes when ``|emulator - target| <= tolerance``; the target is the real figure when the
recorded data is there, else the figure the world was calibrated to (``TARGETS``, the real value
printed by this command on the recorded data; a fresh clone without ``../shared/data`` compares
against these). Volume compares by ratio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from sim.realism import real_data, stats
from sim.realism.run import RealismRun
from sim.realism.stats import EPS

#: Absolute tolerances. One-tick markets: the median spread must be the same tick (half a tick of
#: slack), the p90 within a tick; the share at one tick within 15 points (the two recorded days
#: differ by 3); bid sums within a tick (median) and two (p10); mid moves within a tick (p90) and
#: three (p99, a tail measured on few seconds in a short run); correlations within 0.15.
TOLERANCES = {
    "spread_median": 0.005, "one_tick_share": 0.15, "spread_p90": 0.01,
    "bid_sum_median": 0.01, "bid_sum_p10": 0.02,
    "mid_move_p90": 0.01, "mid_move_p99": 0.03,
    "corr_lag-2": 0.15, "corr_lag-1": 0.15, "corr_lag+0": 0.15, "corr_lag+1": 0.15, "oracle_ac1": 0.15,
    "basis_bp": 1.0,
}  # fmt: skip
#: Volume passes within this factor of the real median market's volume per minute.
VOLUME_FACTOR = 2.0
#: Thinning: the share of windows with a fillable favourite within this absolute distance, or within
#: ``THINNING_SIGMAS`` binomial standard errors of the emulator's few windows, whichever is larger.
THINNING_TOLERANCE = 0.2
THINNING_SIGMAS = 3.0
#: Windows up to this long compare their thinning with the 5-minute ladder, longer ones with the
#: 15-minute per-second books.
LADDER_WINDOW_S = 300
#: What the real data showed when the world was calibrated (this command on ``../shared/data``):
#: the targets when the data folder is absent; a key with a window suffix (`_5m`, `_15m`) wins for that length.
TARGETS = {
    "spread_median": 0.01, "one_tick_share": 0.739, "spread_p90": 0.02,
    "bid_sum_median": 0.99, "bid_sum_p10": 0.97,
    "mid_move_p90": 0.02, "mid_move_p99": 0.075,
    "corr_lag-2": 0.173, "corr_lag-1": 0.691, "corr_lag+0": 0.484, "corr_lag+1": 0.129, "oracle_ac1": 0.282,
    "basis_bp": 1.35,
    "volume_per_min_5m": 9409.0, "volume_per_min_15m": 1596.0,
    "thinning_T-120": 0.896, "thinning_T-10": 0.0, "thinning_T-120_15m": 0.462, "thinning_T-10_15m": 0.092,
    # a 5-minute window: the recorded 15-minute books over their last 5 minutes (``real_figures``)
    "spread_median_5m": 0.01, "one_tick_share_5m": 0.596, "spread_p90_5m": 0.03,
    "bid_sum_median_5m": 0.99, "bid_sum_p10_5m": 0.96, "mid_move_p90_5m": 0.035, "mid_move_p99_5m": 0.11,
}  # fmt: skip
LABELS = {
    "spread_median": "median spread", "one_tick_share": "share of token-seconds at 1 tick",
    "spread_p90": "p90 spread", "bid_sum_median": "best Up + Down bid, median",
    "bid_sum_p10": "best Up + Down bid, p10", "mid_move_p90": "1-s mid move p90",
    "mid_move_p99": "1-s mid move p99", "volume_per_min": "volume per minute ($)",
    "corr_lag-2": "corr(oracle ret, lead ret 2 s before)", "corr_lag-1": "corr(oracle ret, lead ret 1 s before)",
    "corr_lag+0": "corr(oracle ret, lead ret same s)", "corr_lag+1": "corr(oracle ret, lead ret 1 s after)",
    "oracle_ac1": "oracle 1-s return lag-1 autocorr", "basis_bp": "basis oracle/lead - 1 (bp)",
}  # fmt: skip


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    emulator: float
    real: float | None  # None: no recorded data; compared with the stored target
    target: float
    tolerance: str
    passed: bool | None  # None: not measurable in this run


def emulator_figures(run: RealismRun) -> dict[str, float]:
    out: dict[str, float] = {}
    out.update(stats.spread_stats(run.books))
    out.update(stats.bid_sum_stats(run.books))
    out.update(stats.mid_move_stats(run.books))
    out.update(stats.oracle_profile(run.oracle, run.lead))
    out["volume_per_min"] = run.volume_usd / run.minutes if run.minutes > 0 else math.nan
    for offset, flags in run.thinning.items():
        out[f"thinning_T-{offset}"] = stats.share_true(flags)
    return out


def real_figures(data: Path, window_s: int) -> dict[str, float]:
    """The real figures for windows of ``window_s``. The per-second books are of 15-minute windows
    only; a book's dynamics depend on the time left (the fair value moves faster near the end), not
    on how long the window was, so a shorter window is compared with their seconds within its
    length of the end: a 5-minute window with the last 5 minutes of the 15-minute books."""
    out: dict[str, float] = {}
    books = [b for b in real_data.bbo_samples(data) if b.left_s <= window_s]
    out.update(stats.spread_stats(books))
    out.update(stats.bid_sum_stats(books))
    out.update(stats.mid_move_stats(books))
    oracle, lead, _, _ = real_data.oracle_and_lead(data)
    out.update(stats.oracle_profile(oracle, lead))
    minutes = window_s // 60
    out["volume_per_min"] = stats.volume_per_minute(real_data.market_volumes(data, minutes), minutes)
    # the ladder has 5-minute windows, the per-second books 15-minute ones: by time elapsed, a window
    # is decided at T-120 far more often in the longer one
    thinning = real_data.thinning(data) if window_s <= LADDER_WINDOW_S else real_data.book_thinning(data)
    for offset, share in thinning.items():
        out[f"thinning_T-{offset}"] = share
    return out


def _target(key: str, window_s: int) -> float:
    if key == "volume_per_min":
        return TARGETS.get(f"volume_per_min_{window_s // 60}m", math.nan)
    return TARGETS.get(f"{key}_{window_s // 60}m", TARGETS[key])


def compare(emu: dict[str, float], real: dict[str, float] | None, run: RealismRun) -> list[Row]:
    rows = []
    for key, emulated in emu.items():
        truth = real.get(key) if real is not None else None
        target = truth if truth is not None else _target(key, run.window_s)
        label = LABELS.get(key, key.replace("thinning_", "5-share favourite under 0.99 at "))
        if key == "volume_per_min":
            ok = target / VOLUME_FACTOR <= emulated <= target * VOLUME_FACTOR
            rows.append(Row(key, label, emulated, truth, target, f"x{VOLUME_FACTOR:g}", _measured(emulated, ok)))
        elif key.startswith("thinning_"):
            n = len(run.thinning[int(key.split("-")[1])])
            se = math.sqrt(target * (1 - target) / n) if n else math.nan
            tol = max(THINNING_TOLERANCE, THINNING_SIGMAS * se) if n else THINNING_TOLERANCE
            ok = abs(emulated - target) <= tol
            rows.append(Row(key, f"{label} ({n} windows)", emulated, truth, target, f"±{tol:.2f}",
                            _measured(emulated, ok)))  # fmt: skip
        else:
            tol = TOLERANCES[key]
            rows.append(Row(key, label, emulated, truth, target, f"±{tol:g}",
                            _measured(emulated, abs(emulated - target) <= tol + EPS)))  # fmt: skip
    return rows


def _measured(value: float, ok: bool) -> bool | None:
    return None if math.isnan(value) else ok


def render(rows: list[Row]) -> str:
    def fmt(x: float | None) -> str:
        return "-" if x is None or math.isnan(x) else f"{x:.4g}"

    head = f"{'statistic (near money: mid 0.2-0.8, >60 s left)':<50} {'emulator':>10} {'real':>10} {'tol':>7}  result"
    lines = [head, "-" * len(head)]
    for r in rows:
        verdict = {True: "pass", False: "FAIL", None: "n/a (not measured in this run)"}[r.passed]
        real = fmt(r.real) if r.real is not None else f"({fmt(r.target)})"
        lines.append(f"{r.label:<50} {fmt(r.emulator):>10} {real:>10} {r.tolerance:>7}  {verdict}")
    return "\n".join(lines)
