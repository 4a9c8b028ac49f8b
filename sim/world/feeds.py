"""The reference feeds of one asset, derived from its price path: Chainlink reports at 1 Hz with a
publication lag, a "Binance" print that leads them (noise and a basis on top of the true price),
and the Chainlink 60-second TWAP, the emulator's own sampling of its oracle (``sim.world.twap`` has
its definition). A TWAP print goes out with each second's report; windows settle on exactly the
prints published (``published_twap``).
"""

from __future__ import annotations

import bisect
import math
import random
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from sim.world.config import E18, FeedConfig
from sim.world.pricepath import PricePath
from sim.world.realized_vol import RealizedVol
from sim.world.twap import TwapSampler

#: Published ticks of each source kept for subscription snapshots.
RECENT_TICKS_KEPT = 300
#: Chainlink reports kept for TWAP, strike and resolution (seconds).
REPORTS_KEPT_S = 6 * 3600


class Source(StrEnum):
    BINANCE = "binance"
    CHAINLINK = "chainlink"
    TWAP = "twap"


@dataclass(frozen=True)
class FeedTick:
    source: Source
    asset: str
    symbol: str
    #: The price's own time: second-aligned for Chainlink and TWAP, the print time for Binance.
    timestamp_ms: int
    #: When the feed makes it public (RTDS sends it then).
    publish_ms: int
    value_e18: int


def chainlink_symbol(asset: str) -> str:
    return f"{asset}/usd"


def binance_symbol(asset: str) -> str:
    return f"{asset}usdt"


class AssetFeeds:
    def __init__(
        self, asset: str, path: PricePath, cfg: FeedConfig, seed: int, now_ms: int, warmup_s: int
    ) -> None:
        self.asset = asset
        self._path = path
        self._cfg = cfg
        self._noise_rng = random.Random(f"{seed}:{asset}:binance")
        self._report_secs: list[int] = []
        self._reports: dict[int, int] = {}
        self._stale: list[tuple[int, int]] = []
        self._sampler = TwapSampler(cfg.twap_window_s, cfg.twap_sample_interval_ms, cfg.twap_sample_phase_ms,
                                    self._oracle_sample)  # fmt: skip
        #: The TWAP prints published, by second (what windows settle on).
        self._twaps: dict[int, int] = {}
        self.recent: dict[Source, deque[FeedTick]] = {s: deque(maxlen=RECENT_TICKS_KEPT) for s in Source}
        self._done_s = now_ms // 1000 - warmup_s - 1  # last Chainlink second processed
        self._done_binance_ms = self._done_s * 1000
        self._now_ms = now_ms
        #: The volatility a trader estimates from the Binance prints published so far.
        self.vol = RealizedVol()
        self.advance(now_ms)

    @property
    def config(self) -> FeedConfig:
        return self._cfg

    # -- faults ---------------------------------------------------------------------------------

    def go_stale(self, from_s: int, until_s: int) -> None:
        """No Chainlink report (nor TWAP print) for the seconds in [from_s, until_s)."""
        self._stale.append((from_s, until_s))

    def is_stale(self, s: int) -> bool:
        return any(a <= s < b for a, b in self._stale)

    # -- time -----------------------------------------------------------------------------------

    def advance(self, now_ms: int) -> list[FeedTick]:
        """Publish everything due by ``now_ms``; returns the new ticks in publication order."""
        cfg = self._cfg
        out: list[FeedTick] = []
        last_s = (now_ms - cfg.chainlink_publish_lag_ms) // 1000
        for s in range(self._done_s + 1, last_s + 1):
            out.extend(self._publish_second(s, self._sampler.roll(s)))
        self._done_s = max(self._done_s, last_s)
        step = cfg.binance_interval_ms
        t = (self._done_binance_ms // step + 1) * step
        while t + cfg.binance_publish_lag_ms <= now_ms:
            tick = FeedTick(Source.BINANCE, self.asset, binance_symbol(self.asset), t,
                            t + cfg.binance_publish_lag_ms, self._binance_value(t))
            self.recent[Source.BINANCE].append(tick)
            self.vol.update(t, tick.value_e18 / E18)
            out.append(tick)
            self._done_binance_ms = t
            t += step
        self._now_ms = now_ms
        self._prune()
        out.sort(key=lambda k: k.publish_ms)
        return out

    def _publish_second(self, s: int, twap: int | None) -> list[FeedTick]:
        value = None if self.is_stale(s) else self._path.report_at(s)
        if value is None:
            return []
        self._reports[s] = value
        self._report_secs.append(s)
        publish_ms = s * 1000 + self._cfg.chainlink_publish_lag_ms
        symbol = chainlink_symbol(self.asset)
        ticks = [FeedTick(Source.CHAINLINK, self.asset, symbol, s * 1000, publish_ms, value)]
        if twap is not None:
            self._twaps[s] = twap
            ticks.append(FeedTick(Source.TWAP, self.asset, symbol, s * 1000, publish_ms, twap))
        for tick in ticks:
            self.recent[tick.source].append(tick)
        return ticks

    def _oracle_sample(self, t_ms: int) -> int | None:
        """The oracle's value at an instant, as the TWAP samples it (None in a stale second: held)."""
        return None if self.is_stale(t_ms // 1000) else self._path.oracle_at(t_ms)

    def market_at(self, t_ms: int) -> float:
        """The market's own price at an instant (a direct exchange feed: no basis, no smoothing)."""
        return self._path.true_at(t_ms) / E18

    def _binance_value(self, t_ms: int) -> int:
        cfg = self._cfg
        # prints are made once each, in time order, so one sequential RNG is as reproducible as a hash
        noise = self._noise_rng.gauss(0.0, cfg.binance_noise_bps) if cfg.binance_noise_bps else 0.0
        log = sum(w * math.log(self.market_at(t_ms - k * 1000)) for k, w in enumerate(cfg.lead_weights))
        price = math.exp(log) * (1 + (cfg.binance_basis_bps + noise) / 10_000)
        scale: int = 10**cfg.binance_decimals
        quantum: int = 10 ** (18 - cfg.binance_decimals)
        return round(price * scale) * quantum

    def _prune(self) -> None:
        horizon = self._done_s - REPORTS_KEPT_S
        if self._stale and self._stale[0][1] < horizon:  # kept as long as the reports: the TWAP reads them
            self._stale = [(a, b) for a, b in self._stale if b >= horizon]
        if self._report_secs and self._report_secs[0] < horizon - 3600:
            cut = bisect.bisect_left(self._report_secs, horizon)
            for s in self._report_secs[: cut - 1]:
                del self._reports[s]
                self._twaps.pop(s, None)
            del self._report_secs[: cut - 1]

    # -- queries --------------------------------------------------------------------------------

    def published_through_s(self) -> int:
        """The last second whose Chainlink report (if any) is public by now."""
        return self._done_s

    def report(self, s: int) -> int | None:
        return self._reports.get(s)

    def value_at_or_before(self, s: int) -> int | None:
        """The latest published Chainlink report with timestamp at or before second s."""
        i = bisect.bisect_right(self._report_secs, s) - 1
        return self._reports[self._report_secs[i]] if i >= 0 else None

    def twap(self, s: int) -> int | None:
        """TWAP60(s) by the emulator's sampling (``sim.world.twap``), published or not."""
        cached = self._twaps.get(s)
        return cached if cached is not None else self._sampler.compute(s)

    def published_twap(self, s: int) -> int | None:
        """The TWAP print published for second s, or the latest one before it (a stale oracle
        publishes none): what a window settles on. None before the first print."""
        for i in range(bisect.bisect_right(self._report_secs, s) - 1, -1, -1):
            value = self._twaps.get(self._report_secs[i])
            if value is not None:
                return value
        return None

    def latest(self, source: Source) -> FeedTick | None:
        q = self.recent[source]
        return q[-1] if q else None
