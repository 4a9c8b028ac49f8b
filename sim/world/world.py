"""The world: every asset's price path and feeds, and every series' windows, advanced together."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sim.world.config import (
    DEFAULT_START_PRICE_USD,
    E18,
    START_PRICES_USD,
    WorldConfig,
)
from sim.world.feeds import AssetFeeds, FeedTick
from sim.world.ids import SIM_ORACLE_ADDRESS, MarketIds, derive_ids, v2_ids
from sim.world.pricepath import OracleModel, PricePath, RegimePath, ReplayPath, load_chainlink_file
from sim.world.windows import SeriesSchedule, Window, WindowAction

#: Extra history generated before the first window that exists, beyond the TWAP lookback.
WARMUP_MARGIN_S = 120
#: The asset a ``--price-file`` replays (the files are BTC/USD).
REPLAY_ASSET = "btc"
#: A replayed file is the oracle itself; the lead shows its report this much earlier (the oracle's
#: largest smoothing weight is on the market one second before its stamp: ``ORACLE_WEIGHTS``).
REPLAY_LEAD_MS = 1_000
#: Seconds of history before the origin the oracle's smoothing reads.
ORACLE_HISTORY_S = 3
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class WorldStep:
    ticks: list[FeedTick]
    actions: list[WindowAction]


def replay_offset_s(cfg: WorldConfig, first_file_s: int, start_s: int) -> int:
    """Whole days between the file and the clock, so the file's windows line up with the emulator's."""
    if cfg.replay_offset_s is not None:
        return cfg.replay_offset_s
    return (start_s - first_file_s) // SECONDS_PER_DAY * SECONDS_PER_DAY


class World:
    def __init__(self, cfg: WorldConfig, start_ms: int) -> None:
        self.cfg = cfg
        longest = max(s.window_s for s in cfg.series)
        warmup_s = longest + cfg.feed.twap_window_s + WARMUP_MARGIN_S
        self.feeds: dict[str, AssetFeeds] = {}
        for asset in cfg.assets:
            path = self._make_path(asset, start_ms, warmup_s)
            self.feeds[asset] = AssetFeeds(asset, path, cfg.feed, cfg.seed, start_ms, warmup_s)
        oracle = cfg.oracle_address or SIM_ORACLE_ADDRESS

        def ids(slug: str) -> MarketIds:
            return derive_ids(cfg.seed, slug, oracle, cfg.collateral_address)

        def v2(slug: str) -> MarketIds:
            return v2_ids(ids(slug))

        self.schedules = [SeriesSchedule(s, cfg.seed, cfg.history_keep_s, v2 if s.protocol_v2 else ids)
                          for s in cfg.series]  # fmt: skip
        self._now_ms = start_ms
        self._first = True

    def _make_path(self, asset: str, start_ms: int, warmup_s: int) -> PricePath:
        lag = self.cfg.feed.chainlink_value_lag_ms
        if self.cfg.price_file is not None and asset == REPLAY_ASSET:
            reports = load_chainlink_file(self.cfg.price_file)
            offset = replay_offset_s(self.cfg, min(reports), start_ms // 1000)
            return ReplayPath(reports, offset, lag + REPLAY_LEAD_MS)
        feed = self.cfg.feed
        history_ms = lag + len(feed.oracle_weights) * 1000 + ORACLE_HISTORY_S * 1000
        origin_ms = (start_ms // 1000 - warmup_s - 2) * 1000 - history_ms - self.cfg.path.step_ms
        start_usd = START_PRICES_USD.get(asset, DEFAULT_START_PRICE_USD)
        rng = random.Random(f"{self.cfg.seed}:{asset}:path")
        oracle = OracleModel(feed.oracle_weights, feed.oracle_noise_ratio, f"{self.cfg.seed}:{asset}:oracle")
        return RegimePath(rng, start_usd * E18, origin_ms, self.cfg.path, lag, oracle)

    @property
    def now_ms(self) -> int:
        return self._now_ms

    def advance(self, now_ms: int) -> WorldStep:
        """Move the world to ``now_ms``: publish due feed ticks, then run every series' windows."""
        if now_ms < self._now_ms:
            raise ValueError("the world never runs backwards")
        ticks: list[FeedTick] = []
        for feeds in self.feeds.values():
            ticks.extend(feeds.advance(now_ms))
        ticks.sort(key=lambda t: t.publish_ms)
        actions: list[WindowAction] = []
        for schedule in self.schedules:
            actions.extend(schedule.advance(now_ms // 1000, self.feeds[schedule.series.asset]))
        self._now_ms = now_ms
        return WorldStep(ticks, actions)

    # -- lookups (Gamma, traders, tests) ----------------------------------------------------------

    def windows(self) -> list[Window]:
        return [w for s in self.schedules for w in s.windows.values()]

    def window_by_slug(self, slug: str) -> Window | None:
        for schedule in self.schedules:
            prefix = f"{schedule.series.asset}-updown-{schedule.series.label}-"
            if slug.startswith(prefix) and slug[len(prefix):].isdigit():
                return schedule.windows.get(int(slug[len(prefix):]))
        return None

    def window_by_condition(self, condition_id: str) -> Window | None:
        wanted = condition_id.lower()
        return next((w for w in self.windows() if w.ids.condition_id.lower() == wanted), None)

    def open_windows(self) -> list[Window]:
        """Windows accepting orders whose time range has begun (the ones traders trade)."""
        now_s = self._now_ms // 1000
        return [w for w in self.windows() if not w.closed and w.start_s <= now_s]
