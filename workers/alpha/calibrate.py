"""Calibration report: does q_up from the price path alone predict real 5-minute outcomes?

For every recorded BTC 5-minute market (spot rule: the latest Chainlink tick at or before the end
versus ``priceToBeat``, ties Up) the alpha core is fed the oracle ticks in the order they were
received, and asked for q_up at 240, 120, 60, 30 and 10 s before the end: the volatility it uses
is estimated only from ticks received before that moment. Scored against the venue's settled
outcome by Brier score and log loss, next to two baselines:

* coin flip: q = 0.5;
* naive (ignores volatility): a normal with a fixed volatility of 50% a year (BTC's long-run
  level), ``q = Φ(ln(S/K) / (σ₀·√τ))``, clipped like the model;
* gbm: the same normal with the realized volatility of the last 300 s of one-second log returns
  (the bar the issue sets: a model that cannot beat it is not worth its complexity).

Each difference (model minus gbm) comes with a 95% bootstrap interval over markets (resampling
whole markets, a fixed seed): an interval entirely below zero is a significant improvement.

A market is excluded when its outcome cannot be recomputed from the file: no strike, unresolved,
no tick at exactly the end second (a feed gap), or too little price history before the first
evaluation (warm-up).
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from common.strategy.alpha import AlphaConfig
from workers.alpha.calibrate_data import (
    DEFAULT_DATA_DIR,
    PRICE_SCALE,
    RecordedMarket,
    data_files,
    load_markets,
    load_ticks,
    settled_prices,
)
from workers.alpha.calibrate_scores import (
    PROB_CLIP,
    FairInputs,
    HorizonScores,
    brier,
    log_loss,
    reliability_lines,
    tail_lines,
)
from workers.alpha.core.engine import AlphaCore
from workers.alpha.core.settlement import normal_cdf
from workers.alpha.core.types import SettlementRule, WindowSpec

#: Seconds before the end at which q_up is evaluated.
HORIZONS_S = (240, 120, 60, 30, 10)
#: The naive baseline's fixed per-second volatility: 50% a year.
NAIVE_SIGMA_PER_SQRT_S = 0.5 / math.sqrt(365 * 86_400)
#: Price history needed before a market's first evaluation (the volatility estimate's warm-up).
WARMUP_S = 900
#: The realized-volatility baseline's lookback.
GBM_LOOKBACK_S = 300
#: Bootstrap resamples (over markets) for the intervals of the differences, and their seed.
BOOTSTRAP_RESAMPLES = 2_000
BOOTSTRAP_SEED = 7
#: The date whose markets the report uses by default.
DEFAULT_DATE = "2026-06-08"
#: The recorded days (``--fit`` fits on each and reports on the other).
RECORDED_DAYS = ("2026-06-08", "2026-07-24")


@dataclass
class CalibrationReport:
    date: str
    markets_total: int
    markets_used: int
    excluded: dict[str, int]
    #: Used markets whose recomputed outcome differs from the venue's (scored on the venue's).
    recompute_mismatches: int
    scores: dict[int, HorizonScores]


def _naive_q(spot: float, strike: float, tau_s: int) -> float:
    q = normal_cdf(math.log(spot / strike) / (NAIVE_SIGMA_PER_SQRT_S * math.sqrt(tau_s)))
    return min(1 - PROB_CLIP, max(PROB_CLIP, q))


def _gbm_q(core: AlphaCore, spot: float, strike: float, tau_s: int) -> float:
    """A normal with the realized volatility of the last ``GBM_LOOKBACK_S`` one-second returns."""
    last = core.history.last_s or 0
    prices = [p for t in range(last - GBM_LOOKBACK_S, last + 1) if (p := core.history.at(t)) is not None]
    returns = [math.log(b / a) for a, b in itertools.pairwise(prices) if a > 0 and b > 0]
    sigma = math.sqrt(sum(r * r for r in returns) / len(returns)) if returns else NAIVE_SIGMA_PER_SQRT_S
    sigma = max(sigma, 1e-7)
    q = normal_cdf(math.log(spot / strike) / (sigma * math.sqrt(tau_s)))
    return min(1 - PROB_CLIP, max(PROB_CLIP, q))


def bootstrap_interval(model: Sequence[float], base: Sequence[float], outcomes: Sequence[int],
                       score: str) -> tuple[float, float, float]:  # fmt: skip
    """The mean difference of per-market scores (model − base) and its 95% bootstrap interval."""
    def per(p: float, y: int) -> float:
        if score == "brier":
            return (p - y) ** 2
        p = min(1 - PROB_CLIP, max(PROB_CLIP, p))
        return -math.log(p) if y else -math.log(1 - p)

    diffs = [per(m, y) - per(b, y) for m, b, y in zip(model, base, outcomes, strict=True)]
    rng = random.Random(BOOTSTRAP_SEED)
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(BOOTSTRAP_RESAMPLES))
    return sum(diffs) / n, means[int(0.025 * len(means))], means[int(0.975 * len(means)) - 1]


def _select(markets: list[RecordedMarket], final: dict[int, int]) -> tuple[list[RecordedMarket], dict[str, int], int]:
    first_s = min(final) if final else 0
    excluded = {"unresolved": 0, "no strike": 0, "feed gap at the end": 0, "warm-up": 0}
    used, mismatches = [], 0
    for m in markets:
        if m.up_won is None:
            excluded["unresolved"] += 1
        elif m.strike_exact is None:
            excluded["no strike"] += 1
        elif m.end_s not in final:
            excluded["feed gap at the end"] += 1
        elif m.end_s - max(HORIZONS_S) - WARMUP_S < first_s:
            excluded["warm-up"] += 1
        else:
            used.append(m)
            mismatches += (final[m.end_s] >= m.strike_exact) != m.up_won
    return used, excluded, mismatches


def calibrate(
    date: str = DEFAULT_DATE, data_dir: Path = DEFAULT_DATA_DIR, config: AlphaConfig | None = None
) -> CalibrationReport:
    """Replay one recorded day through the alpha core and score q_up per horizon."""
    prices_path, markets_path = data_files(data_dir, date)
    ticks = load_ticks(prices_path)
    markets = load_markets(markets_path)
    used, excluded, mismatches = _select(markets, settled_prices(ticks))
    evaluations = sorted((m.end_s - h, h, m) for m in used for h in HORIZONS_S)
    scores = {h: HorizonScores() for h in HORIZONS_S}
    core = AlphaCore(config)
    i = 0
    for eval_s, horizon, market in evaluations:
        while i < len(ticks) and ticks[i].recv_ms <= eval_s * 1000:
            core.on_oracle(ticks[i].second * 1000, ticks[i].price, ticks[i].recv_ms)
            i += 1
        assert market.strike_exact is not None and market.up_won is not None
        strike = market.strike_exact / PRICE_SCALE
        window = WindowSpec("btc-5m", market.slug, market.start_s, market.end_s, SettlementRule.SPOT, strike)
        signal = core.evaluate(eval_s * 1000, window)
        spot = core.history.last_price()
        assert spot is not None
        last_s = core.history.last_s or eval_s
        s = scores[horizon]
        s.outcomes.append(int(market.up_won))
        s.model.append(signal.q_up_ppm / 1_000_000)
        assert core.last_fair is not None
        s.inputs.append(FairInputs(*core.last_fair, core.vol_slow.effective_returns))
        s.naive.append(_naive_q(spot, strike, max(1, market.end_s - last_s)))
        s.gbm.append(_gbm_q(core, spot, strike, max(1, market.end_s - last_s)))
    return CalibrationReport(date, len(markets), len(used), excluded, mismatches, scores)


def format_report(report: CalibrationReport) -> str:
    lines = [
        f"q_up calibration on BTC 5-minute markets of {report.date} (spot rule, ties Up)",
        f"markets: {report.markets_total} recorded, {report.markets_used} scored; excluded: "
        + ", ".join(f"{k} {v}" for k, v in report.excluded.items())
        + f"; recomputed outcome differs from the venue's on {report.recompute_mismatches} scored",
        f"gbm = normal with the realized volatility of the last {GBM_LOOKBACK_S} s; "
        "naive = normal with a fixed 50%/yr volatility; coin = 0.5",
        f"{'horizon':>8} {'n':>4} | {'Brier q_up':>10} {'gbm':>7} {'naive':>7} {'coin':>7} |"
        f" {'logloss q_up':>12} {'gbm':>7} {'naive':>7} {'coin':>7}",
    ]
    for h, s in report.scores.items():
        if not s.outcomes:
            continue
        coin = [0.5] * len(s.outcomes)
        lines.append(
            f"{h:>7}s {len(s.outcomes):>4} | {brier(s.model, s.outcomes):>10.4f} {brier(s.gbm, s.outcomes):>7.4f}"
            f" {brier(s.naive, s.outcomes):>7.4f} {brier(coin, s.outcomes):>7.4f} |"
            f" {log_loss(s.model, s.outcomes):>12.4f} {log_loss(s.gbm, s.outcomes):>7.4f}"
            f" {log_loss(s.naive, s.outcomes):>7.4f} {log_loss(coin, s.outcomes):>7.4f}"
        )
    lines.append(f"q_up minus gbm, mean and 95% bootstrap interval over markets ({BOOTSTRAP_RESAMPLES} resamples; "
                 "below zero is better):")  # fmt: skip
    for h, s in report.scores.items():
        if not s.outcomes:
            continue
        parts = []
        for score in ("brier", "logloss"):
            mean, lo, hi = bootstrap_interval(s.model, s.gbm, s.outcomes, score)
            verdict = "better" if hi < 0 else "worse" if lo > 0 else "level"
            parts.append(f"{score} {mean:+.4f} [{lo:+.4f}, {hi:+.4f}] {verdict:<6}")
        lines.append(f"{h:>7}s  " + "   ".join(parts))
    scores = list(report.scores.values())
    return "\n".join(lines + reliability_lines(scores) + tail_lines(scores))


def main(argv: Sequence[str] | None = None) -> int:
    """``updown calibrate [--date YYYY-MM-DD] [--data-dir DIR] [--fit | --book]``: print the calibration
    table; ``--fit`` the tails' walk-forward fit; ``--book`` the market mid's bar and the book blend."""
    parser = argparse.ArgumentParser(prog="updown calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--date", default=DEFAULT_DATE, help="recorded day (2026-06-08 or 2026-07-24)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="the shared data folder")
    parser.add_argument("--fit", action="store_true",
                        help="fit the tail parameters on each recorded day and report them on the other")
    parser.add_argument("--book", action="store_true",
                        help="the market mid's Brier by minutes left, and the book's weight in a blend")
    args = parser.parse_args(argv)
    if args.book:
        from workers.alpha.calibrate_book import BOOK_FOLDERS, book_report

        missing = [name for name in BOOK_FOLDERS if not (args.data_dir / name).is_dir()]
        if missing:
            print(f"no recorded books under {args.data_dir}: missing {', '.join(missing)}")
            return 2
        print(book_report(args.data_dir))
        return 0
    if args.fit:
        from workers.alpha.calibrate_fit import walk_forward  # (it imports this module)

        for date in RECORDED_DAYS:
            if not all(p.is_file() for p in data_files(args.data_dir, date)):
                print(f"no recorded data for {date} under {args.data_dir / 'chainlink'}")
                return 2
        print(walk_forward(args.data_dir))
        return 0
    prices_path, markets_path = data_files(args.data_dir, args.date)
    if not prices_path.is_file() or not markets_path.is_file():
        print(f"no recorded data for {args.date} under {args.data_dir / 'chainlink'}")
        return 2
    print(format_report(calibrate(args.date, args.data_dir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
