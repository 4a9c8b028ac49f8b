"""Derivations of ``sim.realism.calibrate`` beyond the feeds (its docstring says what they are): the
bursts of the price path, fitted to the tails of the recorded oracle's one-second returns; the
market's volatility premium, fitted to the recorded 5-minute books' mids; the noise takers' rate,
from the recorded 15-minute markets' volume."""

from __future__ import annotations

import gzip
import itertools
import json
import math
from collections.abc import Sequence
from pathlib import Path
from statistics import NormalDist

from sim.realism.stats import NEAR_MONEY_MID, NEAR_MONEY_MIN_LEFT_S, quantile
from sim.world.config import ResolutionRule
from sim.world.fair import q_up
from sim.world.pricepath import load_chainlink_file
from sim.world.trader_config import NoiseConfig, TwapConfig

CHAINLINK_GLOB = "chainlink/BTCUSD-prices-*.csv.gz"
LADDER = "pm-btc5m-ladder-jul2026/ladder.jsonl.gz"
SECONDS_PER_YEAR = 365.0 * 86_400
#: One-second returns are normalised by the standard deviation of their 15-minute block...
BLOCK_S = 900
#: ...of which a block needs this many (the recorded days have gaps).
MIN_RETURNS_PER_BLOCK = 600
#: The quantiles of |return| / block sd the bursts reproduce: the tail (two quantiles leave a ridge of
#: equally good fits; the body below p90 is the oracle's own noise, which the bursts do not move).
TAIL_QUANTILES = (0.9, 0.99, 0.999)
#: The grids: burst share and ratio, coarse, then fine around the coarse optimum.
COARSE_SHARES = [k / 100 for k in range(1, 31)]
COARSE_RATIOS = [float(k) for k in range(1, 41)]
FINE_STEPS = 20
#: A taker buys Up or Down at random; the two asks sum to about a dollar and a tick, so it pays this
#: on average.
MEAN_TAKER_PRICE = 0.505
#: Points of the quadrature of a noise order's expected size.
SIZE_QUADRATURE_POINTS = 20_000
#: Premiums tried for the fair value's fit to the mids.
PREMIUMS = [k / 100 for k in range(50, 301)]


def normalised_abs_returns(reports: dict[int, int]) -> list[float]:
    """|1-s log return| over its 15-minute block's standard deviation, for every full enough block."""
    blocks: dict[int, list[float]] = {}
    for s, v in reports.items():
        if s - 1 in reports:
            blocks.setdefault(s // BLOCK_S, []).append(math.log(v / reports[s - 1]))
    out: list[float] = []
    for returns in blocks.values():
        sd = math.sqrt(sum(r * r for r in returns) / len(returns))
        if len(returns) >= MIN_RETURNS_PER_BLOCK and sd > 0:
            out.extend(abs(r) / sd for r in returns)
    return out


def _variances(share: float, ratio: float, weights: Sequence[float], noise_ratio: float) -> list[tuple[float, float]]:
    """(probability, variance over the total) of the oracle's 1-s return for each busy/calm pattern of
    the seconds its weights read: a return is sum_k w_k r(s - k) plus the difference of two level noises."""
    calm = 1 / (1 - share + share * ratio * ratio)
    out = []
    for busy in itertools.product((False, True), repeat=len(weights)):
        p = math.prod(share if b else 1 - share for b in busy)
        var = calm * sum(w * w * (ratio * ratio if b else 1.0) for w, b in zip(weights, busy, strict=True))
        out.append((p, var + 2 * noise_ratio * noise_ratio))
    total = sum(p * v for p, v in out)
    return [(p, v / total) for p, v in out]


def _abs_quantile(q: float, mixture: list[tuple[float, float]]) -> float:
    lo, hi = 0.0, 100.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if sum(p * math.erf(mid / math.sqrt(2 * v)) for p, v in mixture) < q:
            lo = mid
        else:
            hi = mid
    return lo


def _fit_error(share: float, ratio: float, weights: Sequence[float], noise_ratio: float,
               targets: Sequence[float]) -> float:  # fmt: skip
    mixture = _variances(share, ratio, weights, noise_ratio)
    return sum(math.log(_abs_quantile(q, mixture) / t) ** 2 for q, t in zip(TAIL_QUANTILES, targets, strict=True))


def burst_mixture(data: Path, weights: Sequence[float], noise_ratio: float) -> tuple[float, float]:
    """(share of busy seconds, busy / calm standard deviation) fitted to the Chainlink days' tails."""
    days = [load_chainlink_file(path) for path in sorted(data.glob(CHAINLINK_GLOB))]
    pooled = [x for reports in days for x in normalised_abs_returns(reports)]
    targets = [quantile(pooled, q) for q in TAIL_QUANTILES]

    def best(shares: list[float], ratios: list[float]) -> tuple[float, float]:
        return min(itertools.product(shares, ratios),
                   key=lambda sr: _fit_error(sr[0], sr[1], weights, noise_ratio, targets))  # fmt: skip

    share, ratio = best(COARSE_SHARES, COARSE_RATIOS)
    d_share, d_ratio = COARSE_SHARES[1] - COARSE_SHARES[0], COARSE_RATIOS[1] - COARSE_RATIOS[0]
    fine_shares = [share + d_share * (k / FINE_STEPS - 0.5) for k in range(FINE_STEPS + 1)]
    fine_ratios = [ratio + d_ratio * (k / FINE_STEPS - 0.5) for k in range(FINE_STEPS + 1)]
    return best([s for s in fine_shares if s > 0], [r for r in fine_ratios if r >= 1])


def _ladder(data: Path) -> list[dict[str, object]]:
    with gzip.open(data / LADDER, "rt") as fh:
        return [json.loads(line) for line in fh]


def ladder_realised_vol(rows: list[dict[str, object]]) -> float:
    """Annualised volatility pooled from consecutive spot samples of each window."""
    squares = seconds = 0.0
    for row in rows:
        samples = sorted((s for s in row["samples"] if s.get("spot")), key=lambda s: s["t"])  # type: ignore[attr-defined]
        for a, b in itertools.pairwise(samples):
            if b["t"] > a["t"]:
                squares += math.log(b["spot"] / a["spot"]) ** 2
                seconds += b["t"] - a["t"]
    return math.sqrt(squares / seconds * SECONDS_PER_YEAR)


def vol_premium(data: Path) -> float:
    """The factor on the realised volatility that best prices the near-money Up mids."""
    rows = _ladder(data)
    vol = ladder_realised_vol(rows)
    lo, hi = NEAR_MONEY_MID
    points = []
    for row in rows:
        for s in row["samples"]:  # type: ignore[attr-defined]
            up, left = s["up"], -float(s["t"])
            if not (up.get("bid") and up.get("ask") and s.get("spot")) or left <= NEAR_MONEY_MIN_LEFT_S:
                continue
            mid = (up["bid"] + up["ask"]) / 2
            if lo <= mid <= hi:
                points.append((float(s["spot"]), float(row["open_px"]), left, mid))  # type: ignore[arg-type]

    def error(k: float) -> float:
        rule = ResolutionRule.SPOT
        return float(sum((m - q_up(spot, strike, left, k * vol, rule)) ** 2 for spot, strike, left, m in points))

    return min(PREMIUMS, key=error)


def expected_noise_shares(cfg: NoiseConfig) -> float:
    """A noise order's expected size in shares: log-normal, rounded, clamped (midpoint quadrature)."""
    normal = NormalDist()
    median, lo, hi = cfg.median_size_micro / 1e6, cfg.min_size_micro / 1e6, cfg.max_size_micro / 1e6
    total = 0.0
    for i in range(SIZE_QUADRATURE_POINTS):
        z = normal.inv_cdf((i + 0.5) / SIZE_QUADRATURE_POINTS)
        total += min(max(round(median * math.exp(cfg.size_log_sd * z)), lo), hi)
    return total / SIZE_QUADRATURE_POINTS


def noise_orders_per_min(volume_per_min_usd: float, noise: NoiseConfig, twap: TwapConfig) -> float:
    """Noise orders a minute in a 15-minute window that trade the recorded volume with the TWAP
    executor's (the informed taker's, which mostly meets cancelled quotes, left out)."""
    twap_usd = twap.parents_per_hour / 60 * (twap.min_parent_micro + twap.max_parent_micro) / 2e6 * MEAN_TAKER_PRICE
    return (volume_per_min_usd - twap_usd) / (expected_noise_shares(noise) * MEAN_TAKER_PRICE)
