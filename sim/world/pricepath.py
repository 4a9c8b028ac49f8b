"""The underlying price of an asset: a seeded regime-switching jump diffusion, or a real file replayed.

A path answers two questions, both as exact integers scaled by 1e18:

- ``true_at(t_ms)``: the market's price at an instant (what the lead feed sees, before its noise);
- ``report_at(s)``: the Chainlink report for second ``s``, or None when the oracle has no report for
  that second (a feed gap of the real file);
- ``oracle_at(t_ms)``: the oracle's value at any instant, as its own TWAP samples it (equal to
  ``report_at(s)`` at ``s * 1000``): between two reports a simulated oracle observes the market
  anew, a replayed file holds its last report (None in a gap).

Paths are generated forward in fixed steps from a seeded RNG, so the same seed gives the same path
whatever the pattern of calls. Queries must not go back further than the kept history.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

from sim.world.config import E18, PathConfig

#: Seconds in a (non-leap) year, for annualised volatilities.
SECONDS_PER_YEAR = 365.0 * 86_400
#: Simulated prices are rounded to this many decimals before scaling to 1e18 (Chainlink shows ~8-10).
MODEL_PRICE_DECIMALS = 8
#: Steps of history kept by a simulated path (at the default 200 ms step: 6 hours).
MODEL_KEEP_STEPS = 108_000


class PricePath(Protocol):
    def true_at(self, t_ms: int) -> int: ...

    def report_at(self, s: int) -> int | None: ...

    def oracle_at(self, t_ms: int) -> int | None: ...


@dataclass(frozen=True)
class OracleModel:
    """How the oracle reports a simulated market: a weighted geometric mean of the market's price
    0, 1, 2, ... seconds before its stamp, times an i.i.d. level noise seeded per second whose sd is
    ``noise_ratio`` times the market's one-second move at that time."""

    weights: tuple[float, ...]
    noise_ratio: float
    seed: str

    def report(self, price_at: Callable[[int], int], t_ms: int, lag_ms: int, sd_1s: float) -> int:
        """The report at instant ``t_ms`` (a whole second for the published ones); its noise is
        seeded by the second, or by the instant off the whole seconds."""
        log = sum(w * math.log(price_at(t_ms - lag_ms - k * 1000) / E18) for k, w in enumerate(self.weights))
        if self.noise_ratio:
            key = t_ms // 1000 if t_ms % 1000 == 0 else f"{t_ms}ms"
            log += random.Random(f"{self.seed}:{key}").gauss(0.0, self.noise_ratio * sd_1s)
        scaled: int = round(math.exp(log) * 10**MODEL_PRICE_DECIMALS) * 10 ** (18 - MODEL_PRICE_DECIMALS)
        return scaled


class RegimePath:
    """Log-price diffusion whose volatility follows a 3-state Markov chain (calm/normal/volatile),
    plus Poisson jumps. The Chainlink report for second s is the true price ``value_lag_ms`` earlier,
    or, with an ``oracle`` model, its smoothed and noisy report of the prices before that."""

    def __init__(
        self, rng: random.Random, start_price_e18: int, origin_ms: int, cfg: PathConfig, value_lag_ms: int,
        oracle: OracleModel | None = None,
    ) -> None:
        self._oracle = oracle
        self._rng = rng
        self._cfg = cfg
        self._value_lag_ms = value_lag_ms
        self._origin_ms = origin_ms
        self._base = 0  # index of _prices[0] in steps since origin
        self._prices: list[int] = [start_price_e18]
        self._log = math.log(start_price_e18 / E18)
        self._regime = 1
        self.regimes: list[int] = [1]  # regime per kept step, for tests and diagnostics
        dt_s = cfg.step_ms / 1000
        self._sd = [v * math.sqrt(dt_s / SECONDS_PER_YEAR) for v in cfg.regime_vols]
        self._p_switch = dt_s / cfg.regime_mean_duration_s
        self._p_jump = cfg.jump_rate_per_hour * dt_s / 3600
        self._jump_sd = cfg.jump_sd_bps / 10_000
        # bursts: one draw per whole second of the path; calm and busy seconds keep the regime's variance
        share, ratio = cfg.burst_share, cfg.burst_ratio
        self._calm = 1 / math.sqrt(1 - share + share * ratio * ratio)
        self._second: int | None = None
        self._scale = 1.0

    @property
    def regime(self) -> int:
        return self._regime

    def _step(self) -> None:
        rng = self._rng
        if rng.random() < self._p_switch:
            # calm and volatile only leave towards normal; normal goes either way
            self._regime = 1 if self._regime != 1 else (0 if rng.random() < 0.5 else 2)
        if self._cfg.burst_share > 0:
            second = (self._origin_ms + (self._base + len(self._prices)) * self._cfg.step_ms - 1) // 1000
            if second != self._second:
                self._second = second
                busy = rng.random() < self._cfg.burst_share
                self._scale = self._calm * (self._cfg.burst_ratio if busy else 1.0)
        sd = self._sd[self._regime] * self._scale
        self._log += sd * rng.gauss(0.0, 1.0) - 0.5 * sd * sd
        if rng.random() < self._p_jump:
            self._log += rng.gauss(0.0, self._jump_sd)
        scaled = round(math.exp(self._log) * 10**MODEL_PRICE_DECIMALS)
        self._prices.append(scaled * 10 ** (18 - MODEL_PRICE_DECIMALS))
        self.regimes.append(self._regime)
        if len(self._prices) > 2 * MODEL_KEEP_STEPS:
            drop = len(self._prices) - MODEL_KEEP_STEPS
            del self._prices[:drop]
            del self.regimes[:drop]
            self._base += drop

    def true_at(self, t_ms: int) -> int:
        k = max(0, (t_ms - self._origin_ms) // self._cfg.step_ms)
        while self._base + len(self._prices) <= k:
            self._step()
        if k < self._base:
            raise ValueError(f"price at {t_ms} ms is older than the kept history")
        return self._prices[k - self._base]

    def sd_1s_at(self, t_ms: int) -> float:
        """The log price's one-second standard deviation in the regime at ``t_ms`` (no jumps)."""
        k = max(0, (t_ms - self._origin_ms) // self._cfg.step_ms)
        self.true_at(t_ms)
        regime = self.regimes[min(k - self._base, len(self.regimes) - 1)]
        return self._cfg.regime_vols[regime] / math.sqrt(SECONDS_PER_YEAR)

    def report_at(self, s: int) -> int | None:
        return self.oracle_at(s * 1000)

    def oracle_at(self, t_ms: int) -> int | None:
        if self._oracle is not None:
            return self._oracle.report(self.true_at, t_ms, self._value_lag_ms, self.sd_1s_at(t_ms))
        return self.true_at(t_ms - self._value_lag_ms)


def load_chainlink_file(path: Path) -> dict[int, int]:
    """Per-second Chainlink values (1e18-scaled) from a ``BTCUSD-prices-*.csv.gz`` file. Two rows in
    the same second are a feed correction: the later ``recv_ms`` wins."""
    best: dict[int, tuple[int, int]] = {}
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as fh:
        for row in csv.DictReader(fh):
            s = int(row["feed_ts_ms"]) // 1000
            recv_ms = int(row["recv_ms"])
            seen = best.get(s)
            if seen is None or recv_ms >= seen[1]:
                best[s] = (int(row["full_accuracy_value"]), recv_ms)
    return {s: v for s, (v, _) in best.items()}


class ReplayPath:
    """A real Chainlink file mapped onto the emulator's clock: emulator second s shows file second
    ``s - offset_s``. Past the file's end it loops, rescaled so the level stays continuous; seconds
    with no row stay gaps in the reports, and the true price holds the last report."""

    def __init__(self, reports: dict[int, int], offset_s: int, value_lag_ms: int) -> None:
        if not reports:
            raise ValueError("an empty price file cannot be replayed")
        self._secs = sorted(reports)
        self._values = [reports[s] for s in self._secs]
        self._reports = reports
        self._first_s = self._secs[0]
        self._span_s = self._secs[-1] - self._first_s + 1
        self._ratio = Fraction(self._values[-1], self._values[0])
        self._offset_s = offset_s
        self._value_lag_ms = value_lag_ms

    @property
    def first_s(self) -> int:
        return self._first_s

    @property
    def span_s(self) -> int:
        return self._span_s

    def _fold(self, file_s: int) -> tuple[int, int]:
        loop, rem = divmod(file_s - self._first_s, self._span_s)
        return loop, self._first_s + rem

    def _scale(self, value: int, loop: int) -> int:
        if loop == 0:
            return value
        factor = self._ratio**loop
        return value * factor.numerator // factor.denominator

    def report_at(self, s: int) -> int | None:
        loop, file_s = self._fold(s - self._offset_s)
        value = self._reports.get(file_s)
        return None if value is None else self._scale(value, loop)

    def oracle_at(self, t_ms: int) -> int | None:
        """The file has one report a second: an instant sees the report of its second."""
        return self.report_at(t_ms // 1000)

    def true_at(self, t_ms: int) -> int:
        loop, file_s = self._fold((t_ms + self._value_lag_ms) // 1000 - self._offset_s)
        i = bisect.bisect_right(self._secs, file_s) - 1
        return self._scale(self._values[max(i, 0)], loop)
