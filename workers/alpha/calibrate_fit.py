"""Walk-forward fitting of q_up's tails: fit on one recorded day, report on the other.

The tail parameters (``common/strategy/alpha.py``): the jump rate and size are fitted to the
fitting day's one-second oracle returns (a return beyond ``JUMP_SIGMAS`` local standard deviations
is a jump; the local scale is an EWMA of the absolute returns that the jumps do not update), then
``vol_uncertainty_ratio`` and ``tail_dof`` are chosen on a grid by the fitting day's log loss, every
horizon pooled. The other day's markets are then scored with the fitted parameters and with the
defaults, beside the realized-volatility GBM: the figures on that day are out of sample.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from common.strategy.alpha import AlphaConfig
from workers.alpha.calibrate import RECORDED_DAYS, calibrate
from workers.alpha.calibrate_data import Tick, data_files, load_ticks, settled_prices
from workers.alpha.calibrate_scores import HorizonScores, brier, format_tails, log_loss
from workers.alpha.core.tails import q_up_with_tails

#: A one-second return beyond this many local standard deviations is a jump.
JUMP_SIGMAS = 4.0
#: Half-life (seconds) of the local scale the jumps are measured against.
JUMP_SCALE_HALF_LIFE_S = 300.0
#: The grids searched on the fitting day.
VOL_UNCERTAINTY_GRID = (0.0, 2.0, 4.0, 8.0)
VOL_DISAGREEMENT_GRID = (0.0, 0.5, 1.0, 2.0)
TAIL_DOF_GRID = (0, 5, 8)


@dataclass(frozen=True, slots=True)
class JumpFit:
    returns: int
    jumps: int
    rate_per_s: float
    log_sd: float


def fit_jumps(ticks: Sequence[Tick]) -> JumpFit:
    """Jump rate and size from one-second log returns (consecutive seconds only)."""
    final = settled_prices(list(ticks))
    seconds = sorted(final)
    mad = 0.0  # EWMA of |r|; for a normal, sd = mad * sqrt(pi / 2)
    alpha = 1.0 - 0.5 ** (1.0 / JUMP_SCALE_HALF_LIFE_S)
    returns = jumps = 0
    jump_sq = 0.0
    for a, b in itertools.pairwise(seconds):
        if b != a + 1 or final[a] <= 0 or final[b] <= 0:
            continue
        r = math.log(final[b] / final[a])
        returns += 1
        scale = mad * math.sqrt(math.pi / 2.0)
        if returns > JUMP_SCALE_HALF_LIFE_S and abs(r) > JUMP_SIGMAS * scale:
            jumps += 1
            jump_sq += r * r
            continue
        mad += alpha * (abs(r) - mad)
    rate = jumps / returns if returns else 0.0
    return JumpFit(returns, jumps, rate, math.sqrt(jump_sq / jumps) if jumps else 0.0)


def repriced(scores: Sequence[HorizonScores], config: AlphaConfig) -> list[list[float]]:
    """Every horizon's q_up again, from the recorded inputs, with ``config``'s tail parameters."""
    return [[q_up_with_tails(i.dist, i.sigma, i.future_s, i.returns, i.fast_over_slow, config) for i in s.inputs]
            for s in scores]  # fmt: skip


def pooled_log_loss(scores: Sequence[HorizonScores], config: AlphaConfig) -> float:
    probs = [q for qs in repriced(scores, config) for q in qs]
    return log_loss(probs, [y for s in scores for y in s.outcomes])


def fit_tails(scores: Sequence[HorizonScores], jumps: JumpFit, base: AlphaConfig) -> AlphaConfig:
    """The grid point (jumps on or off, ratio, dof) with the lowest pooled log loss on ``scores``."""
    best, best_loss = base, math.inf
    for rate, size in ((0.0, 0.0), (jumps.rate_per_s, jumps.log_sd)):
        for ratio, moving, dof in itertools.product(VOL_UNCERTAINTY_GRID, VOL_DISAGREEMENT_GRID, TAIL_DOF_GRID):
            config = replace(base, jump_rate_per_s=rate, jump_log_sd=size, vol_uncertainty_ratio=ratio,
                             vol_disagreement_ratio=moving, tail_dof=dof)  # fmt: skip
            loss = pooled_log_loss(scores, config)
            if loss < best_loss - 1e-12:
                best, best_loss = config, loss
    return best


def describe(config: AlphaConfig) -> str:
    return (f"vol_uncertainty_ratio = {config.vol_uncertainty_ratio:g}, "
            f"vol_disagreement_ratio = {config.vol_disagreement_ratio:g}, tail_dof = {config.tail_dof}, "
            f"jump_rate_per_s = {config.jump_rate_per_s:.5f}, jump_log_sd = {config.jump_log_sd:.6f}")  # fmt: skip


def compare_lines(by_horizon: dict[int, HorizonScores], fitted: AlphaConfig, default: AlphaConfig) -> list[str]:
    """Per horizon: Brier and log loss of the defaults, the fitted parameters and the GBM."""
    scores = list(by_horizon.values())
    lines = [f"{'horizon':>8} {'n':>4} | {'Brier default':>13} {'fitted':>7} {'gbm':>7} |"
             f" {'logloss default':>15} {'fitted':>7} {'gbm':>7}"]  # fmt: skip
    new, old = repriced(scores, fitted), repriced(scores, default)
    for horizon, s, q_new, q_old in zip(by_horizon, scores, new, old, strict=True):
        y = s.outcomes
        lines.append(f"{horizon:>7}s {len(y):>4} | {brier(q_old, y):>13.4f} {brier(q_new, y):>7.4f}"
                     f" {brier(s.gbm, y):>7.4f} | {log_loss(q_old, y):>15.4f} {log_loss(q_new, y):>7.4f}"
                     f" {log_loss(s.gbm, y):>7.4f}")  # fmt: skip
    outcomes = [y for s in scores for y in s.outcomes]
    lines.append("tails, every horizon pooled (the unlikely side of quotes beyond 5%, came true with its 95% Wilson"
                 " interval; error above zero: too thin):")
    lines.append(format_tails("default", [q for qs in old for q in qs], outcomes))
    lines.append(format_tails("fitted", [q for qs in new for q in qs], outcomes))
    lines.append(format_tails("gbm", [p for s in scores for p in s.gbm], outcomes))
    return lines


def walk_forward(data_dir: Path, default: AlphaConfig | None = None) -> str:
    """Fit the tails on each recorded day and report them on the other, beside the defaults."""
    default = default or AlphaConfig()
    reports = {day: calibrate(day, data_dir, default) for day in RECORDED_DAYS}
    jump_fits = {day: fit_jumps(load_ticks(data_files(data_dir, day)[0])) for day in RECORDED_DAYS}
    lines = [f"defaults: {describe(default)}"]
    for fit_day, report_day in (RECORDED_DAYS, RECORDED_DAYS[::-1]):
        jumps = jump_fits[fit_day]
        fit_scores = list(reports[fit_day].scores.values())
        fitted = fit_tails(fit_scores, jumps, default)
        lines += [
            "",
            f"fitted on {fit_day}: jumps from {jumps.returns} one-second returns ({jumps.jumps} beyond "
            f"{JUMP_SIGMAS:g} local sd): rate {jumps.rate_per_s:.5f}/s, size {jumps.log_sd:.6f} (log);",
            f"  grid (jumps on/off x vol_uncertainty_ratio {VOL_UNCERTAINTY_GRID} x vol_disagreement_ratio "
            f"{VOL_DISAGREEMENT_GRID} x tail_dof {TAIL_DOF_GRID})"
            f" by pooled log loss on {fit_day}:",
            f"  {describe(fitted)}",
            f"  pooled log loss on {fit_day} (in sample): default {pooled_log_loss(fit_scores, default):.4f}, "
            f"fitted {pooled_log_loss(fit_scores, fitted):.4f}",
            f"reported on {report_day} (out of sample):",
        ]
        lines += compare_lines(reports[report_day].scores, fitted, default)
    both_days = [s for report in reports.values() for s in report.scores.values()]
    together = fit_tails(both_days, jump_fits[RECORDED_DAYS[0]], default)
    lines += ["", f"fitted on both days together (in sample, jumps from {RECORDED_DAYS[0]}: no day left to report on):",
              f"  {describe(together)}"]  # fmt: skip
    for day, report in reports.items():
        scores = list(report.scores.values())
        lines.append(f"  pooled log loss on {day}: default {pooled_log_loss(scores, default):.4f}, "
                     f"fitted {pooled_log_loss(scores, together):.4f}")  # fmt: skip
    return "\n".join(lines)
