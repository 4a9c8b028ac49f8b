"""The realism statistics as pure functions of samples, the same for the emulator and the real files.

Prices here are floats in dollars: they are measurements of a book, never amounts of money.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: The book is "near money" when the Up mid is in this range...
NEAR_MONEY_MID = (0.2, 0.8)
#: ...and more than this many seconds are left in the window.
NEAR_MONEY_MIN_LEFT_S = 60.0
#: The normal tick of a crypto Up/Down market.
TICK = 0.01
#: Float slack when comparing prices measured in dollars.
EPS = 1e-9
#: Seconds before the end at which the end-of-window thinning is measured.
THINNING_OFFSETS_S = (120, 10)
#: The order a favourite must fill to count as fillable, and the price it must fill under.
THINNING_SHARES = 5.0
THINNING_PRICE = 0.99
#: Lags (lead second minus oracle second) of the oracle-vs-lead correlation profile.
LAGS_S = (-2, -1, 0, 1)


@dataclass(frozen=True)
class BookSample:
    """One second of a market: both tokens' best bid and ask, as a client reads them from ``/book``."""

    t_s: int
    market: str
    left_s: float
    up_bid: float
    up_ask: float
    down_bid: float
    down_ask: float

    @property
    def valid(self) -> bool:
        return 0 < self.up_bid < self.up_ask < 1 and 0 < self.down_bid < self.down_ask < 1

    @property
    def up_mid(self) -> float:
        return (self.up_bid + self.up_ask) / 2

    @property
    def near_money(self) -> bool:
        lo, hi = NEAR_MONEY_MID
        return self.valid and lo <= self.up_mid <= hi and self.left_s > NEAR_MONEY_MIN_LEFT_S


def quantile(values: Sequence[float], p: float) -> float:
    """The p-quantile by the nearest-rank rule (no interpolation: prices stay on their grid)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p * len(ordered)) - 1))]


def near_money(samples: Iterable[BookSample]) -> list[BookSample]:
    return [s for s in samples if s.near_money]


def spread_stats(samples: Sequence[BookSample]) -> dict[str, float]:
    """Median spread, share of token-seconds at one tick, p90 spread (both tokens, near money)."""
    spreads = [round(x, 6) for s in near_money(samples) for x in (s.up_ask - s.up_bid, s.down_ask - s.down_bid)]
    if not spreads:
        return {"spread_median": math.nan, "one_tick_share": math.nan, "spread_p90": math.nan}
    return {
        "spread_median": quantile(spreads, 0.5),
        "one_tick_share": sum(1 for x in spreads if x <= TICK + EPS) / len(spreads),
        "spread_p90": quantile(spreads, 0.9),
    }


def bid_sum_stats(samples: Sequence[BookSample]) -> dict[str, float]:
    """Median and p10 of the best Up bid plus the best Down bid (near money)."""
    sums = [round(s.up_bid + s.down_bid, 6) for s in near_money(samples)]
    return {"bid_sum_median": quantile(sums, 0.5), "bid_sum_p10": quantile(sums, 0.1)}


def mid_move_stats(samples: Sequence[BookSample]) -> dict[str, float]:
    """p90 and p99 of the Up mid's absolute move over one second, within one market, near money at
    the second's end (both samples valid)."""
    by_key = {(s.market, s.t_s): s for s in samples if s.valid}
    moves = []
    for s in near_money(samples):
        before = by_key.get((s.market, s.t_s - 1))
        if before is not None:
            moves.append(round(abs(s.up_mid - before.up_mid), 6))
    return {"mid_move_p90": quantile(moves, 0.9), "mid_move_p99": quantile(moves, 0.99)}


def volume_per_minute(volumes_usd: Sequence[float], window_minutes: float) -> float:
    """The median market's traded volume divided by its window's length."""
    return quantile(volumes_usd, 0.5) / window_minutes if volumes_usd else math.nan


@dataclass(frozen=True)
class LadderSide:
    bid: float | None
    #: VWAP of buying ``THINNING_SHARES`` (None: not fillable at all).
    vwap5: float | None


def favourite_fillable(up: LadderSide, down: LadderSide) -> bool:
    """Can 5 shares of the favourite (the side with the higher bid) be bought under 0.99?"""
    fav = up if (up.bid or 0.0) >= (down.bid or 0.0) else down
    return fav.vwap5 is not None and fav.vwap5 < THINNING_PRICE - EPS


def vwap(asks: Sequence[tuple[float, float]], shares: float) -> float | None:
    """The average price of buying ``shares`` from ask levels (price, size), best first."""
    left, cost = shares, 0.0
    for price, size in asks:
        take = min(left, size)
        cost += take * price
        left -= take
        if left <= EPS:
            return cost / shares
    return None


def share_true(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else math.nan


def log_returns(series: dict[int, float]) -> dict[int, float]:
    """One-second log returns keyed by the later second (only where both seconds have a value)."""
    return {s: math.log(v / series[s - 1]) for s, v in series.items() if s - 1 in series}


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    if n < 3:
        return math.nan
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return sxy / (sx * sy) if sx > 0 and sy > 0 else math.nan


def lagged_correlation(a: dict[int, float], b: dict[int, float], lag: int) -> float:
    """corr(a[s], b[s + lag]) over the seconds where both exist."""
    keys = [s for s in sorted(a) if s + lag in b]
    return correlation([a[s] for s in keys], [b[s + lag] for s in keys])


def oracle_profile(oracle: dict[int, float], lead: dict[int, float]) -> dict[str, float]:
    """The oracle's 1-s return against the lead's at ``LAGS_S`` (-1: the lead one second earlier),
    the oracle's own lag-1 autocorrelation, and the median basis (oracle / lead - 1, in bp)."""
    ro, rl = log_returns(oracle), log_returns(lead)
    out = {f"corr_lag{lag:+d}": lagged_correlation(ro, rl, lag) for lag in LAGS_S}
    out["oracle_ac1"] = lagged_correlation(ro, ro, -1)
    basis = [(oracle[s] / lead[s] - 1) * 10_000 for s in oracle if s in lead]
    out["basis_bp"] = quantile(basis, 0.5)
    return out
