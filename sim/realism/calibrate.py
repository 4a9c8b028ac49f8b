"""Derive the world's feed and price-path parameters from the recorded data.

    python -m sim.realism.calibrate [--data-dir DIR]

prints the values that ``sim/world/config.py`` records as its defaults (each constant there says it
came from here). Derived:

- the oracle's smoothing: least squares of Chainlink's 1-s log return on Binance's at 0, 1 and 2 s
  before (``rtds-chainlink-binance-oct2025``), weights normalised to sum to one so the oracle follows
  the level; the residual, as an i.i.d. level noise of sd ``residual / sqrt(2)`` (a level noise
  adds twice its variance to a one-second return);
- the lead's own smoothing: weights (a, 1 - a) on the market now and one second before whose
  returns have the real lead's lag-1 autocorrelation rho: a(1-a) / (a^2 + (1-a)^2) = rho;
- the lead's basis: the median of Binance / Chainlink - 1, in basis points;
- both feeds' publication lags: the median relay delay after the payload stamp;
- the noise flow of 5-minute windows against 15-minute ones: the ratio of their median market's
  volume per minute (``pm-bbo-60s-aug2026/outcomes.csv.gz``); and the noise takers' orders a minute
  in a 15-minute window: that market's volume a minute, less the TWAP executor's, over a noise
  order's expected notional (its size distribution's mean times the mean ask, 0.505);
- the volatility regimes: annualised realised volatility of 60-s Chainlink returns in each
  15-minute block of the two recorded days (``chainlink/``), the mean of each third of the blocks
  (calm, normal, volatile), and the mean run of consecutive blocks in the same third;
- the bursts: each second is busy with probability p and then moves m times as much as a calm one
  (the variance kept); (p, m) such that the oracle's 1-s returns (the market's through the oracle
  weights, plus the oracle's level noise) have the p90, p99 and p99.9 of the recorded days' Chainlink
  1-s returns, each over the standard deviation of its 15-minute block (a mixture of normals: exact
  quantiles by bisection, (p, m) by a coarse then a fine grid);
- the market's volatility premium: the factor on the realised volatility with which the fair value
  q_up(spot, open, time left) best fits (least squares) the Up mid of the 5-minute books of
  ``pm-btc5m-ladder-jul2026``, near money (mid 0.2-0.8, more than 60 s left; the spot rule of
  July 2026), the realised volatility pooled from the same windows' spot samples.
"""

from __future__ import annotations

import argparse
import itertools
import math
from pathlib import Path

from sim.realism.calibrate_tails import burst_mixture, noise_orders_per_min, vol_premium
from sim.realism.real_data import DEFAULT_DATA_DIR, market_volumes, oracle_and_lead
from sim.realism.stats import lagged_correlation, log_returns, quantile, volume_per_minute
from sim.world.pricepath import load_chainlink_file
from sim.world.trader_config import NoiseConfig, TwapConfig

#: Seconds before the oracle's stamp whose lead returns explain its return (0, 1, 2).
ORACLE_LAGS_S = 3
#: Blocks and sampling of the realised volatility.
BLOCK_S = 900
RETURN_S = 60
#: A block needs this many 60-s returns to count.
MIN_RETURNS_PER_BLOCK = 10
SECONDS_PER_YEAR = 365.0 * 86_400
CHAINLINK_GLOB = "chainlink/BTCUSD-prices-*.csv.gz"


def solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gauss-Jordan elimination with partial pivoting for a small dense system."""
    n = len(b)
    m = [[*row[:], b[i]] for i, row in enumerate(a)]
    for i in range(n):
        pivot = max(range(i, n), key=lambda r: abs(m[r][i]))
        m[i], m[pivot] = m[pivot], m[i]
        for r in range(n):
            if r != i:
                f = m[r][i] / m[i][i]
                m[r] = [x - f * y for x, y in zip(m[r], m[i], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def oracle_smoothing(oracle: dict[int, float], lead: dict[int, float]) -> tuple[list[float], float]:
    """(weights on the lead's return 0..k seconds before, normalised; level noise in bp)."""
    ro, rl = log_returns(oracle), log_returns(lead)
    rows = [(y, [rl.get(s - k) for k in range(ORACLE_LAGS_S)]) for s, y in ro.items()]
    data = [(y, [v for v in x if v is not None]) for y, x in rows if None not in x]
    a = [[sum(x[i] * x[j] for _, x in data) for j in range(ORACLE_LAGS_S)] for i in range(ORACLE_LAGS_S)]
    b = [sum(y * x[i] for y, x in data) for i in range(ORACLE_LAGS_S)]
    w = solve(a, b)
    residual = [y - sum(wi * xi for wi, xi in zip(w, x, strict=True)) for y, x in data]
    sd = math.sqrt(sum(e * e for e in residual) / len(residual))
    total = sum(w)
    return [x / total for x in w], sd * 10_000 / math.sqrt(2)


def lead_weights(lead: dict[int, float]) -> tuple[float, float]:
    """(a, 1 - a) with a(1-a) / (a^2 + (1-a)^2) equal to the lead's lag-1 autocorrelation."""
    rl = log_returns(lead)
    rho = max(0.0, lagged_correlation(rl, rl, -1))
    x = rho / (1 + 2 * rho)  # a(1-a)
    a = (1 + math.sqrt(1 - 4 * x)) / 2
    return a, 1 - a


def block_vols(path: Path) -> list[float]:
    reports = load_chainlink_file(path)
    blocks: dict[int, list[float]] = {}
    for s, v in reports.items():
        if s % RETURN_S == 0 and s - RETURN_S in reports:
            blocks.setdefault(s // BLOCK_S, []).append(math.log(v / reports[s - RETURN_S]))
    scale = math.sqrt(SECONDS_PER_YEAR / RETURN_S)
    return [math.sqrt(sum(r * r for r in rs) / len(rs)) * scale
            for _, rs in sorted(blocks.items()) if len(rs) >= MIN_RETURNS_PER_BLOCK]  # fmt: skip


def regimes(data: Path) -> tuple[list[float], float]:
    """(mean volatility of each third of the blocks, mean regime duration in seconds)."""
    per_day = [block_vols(p) for p in sorted(data.glob(CHAINLINK_GLOB))]
    pooled = sorted(v for day in per_day for v in day)
    cuts = (quantile(pooled, 1 / 3), quantile(pooled, 2 / 3))
    thirds: list[list[float]] = [[], [], []]
    for v in pooled:
        thirds[(v > cuts[0]) + (v > cuts[1])].append(v)
    runs: list[int] = []
    for day in per_day:
        labels = [(v > cuts[0]) + (v > cuts[1]) for v in day]
        run = 1
        for prev, cur in itertools.pairwise(labels):
            if cur == prev:
                run += 1
            else:
                runs.append(run)
                run = 1
        runs.append(run)
    return [sum(t) / len(t) for t in thirds], sum(runs) / len(runs) * BLOCK_S


def derive(data: Path) -> dict[str, object]:
    oracle, lead, oracle_delays, lead_delays = oracle_and_lead(data)
    weights, noise_bp = oracle_smoothing(oracle, lead)
    a, b = lead_weights(lead)
    lead_returns = list(log_returns(lead).values())
    market_sd_bp = math.sqrt(sum(r * r for r in lead_returns) / len(lead_returns) / (a * a + b * b)) * 10_000
    basis = [(lead[s] / oracle[s] - 1) * 10_000 for s in oracle if s in lead]
    vols, duration_s = regimes(data)
    share, ratio = burst_mixture(data, weights, noise_bp / market_sd_bp)
    per_min_5m = volume_per_minute(market_volumes(data, 5), 5)
    per_min_15m = volume_per_minute(market_volumes(data, 15), 15)
    return {
        "ORACLE_WEIGHTS": tuple(round(w, 3) for w in weights),
        "ORACLE_NOISE_RATIO": round(noise_bp / market_sd_bp, 3),
        "LEAD_WEIGHTS": (round(a, 3), round(b, 3)),
        "BINANCE_BASIS_BPS": round(quantile(basis, 0.5), 2),
        "CHAINLINK_PUBLISH_LAG_MS": int(quantile([float(d) for d in oracle_delays], 0.5)),
        "BINANCE_PUBLISH_LAG_MS": int(quantile([float(d) for d in lead_delays], 0.5)),
        "REGIME_VOLS": tuple(round(v, 3) for v in vols),
        "REGIME_MEAN_DURATION_S": round(duration_s),
        "BURST_SHARE": round(share, 3),
        "BURST_RATIO": round(ratio, 1),
        "VOL_PREMIUM": round(vol_premium(data), 2),
        "VOLUME_SCALE_5M": round(per_min_5m / per_min_15m, 1),
        "NOISE_ORDERS_PER_MIN": round(noise_orders_per_min(per_min_15m, NoiseConfig(), TwapConfig()), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.realism.calibrate", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"no recorded data at {args.data_dir}: nothing to derive from")
        return 1
    for name, value in derive(args.data_dir).items():
        print(f"{name} = {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
