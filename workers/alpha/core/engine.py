"""The alpha core for one series: feeds in, ``Signal`` out. No I/O; the caller supplies the clock."""

from __future__ import annotations

import math

from common.schemas.signal import Signal
from common.strategy.alpha import AlphaConfig
from workers.alpha.core.history import PriceHistory
from workers.alpha.core.leadlag import LeadLag
from workers.alpha.core.regime import RegimeInputs, classify
from workers.alpha.core.settlement import settlement_distribution
from workers.alpha.core.tails import blend_book, q_up_with_tails
from workers.alpha.core.target import fair_move_sd, target_total_micro
from workers.alpha.core.toxicity import ToxicityTracker
from workers.alpha.core.types import Distribution, Regime, WindowSpec
from workers.alpha.core.volatility import EwmaVolatility

#: Windows whose book mids are kept (the oldest is forgotten first).
BOOK_WINDOWS_KEPT = 8


def _micro(x: float | None) -> int | None:
    return None if x is None else round(x * 1_000_000)


class AlphaCore:
    """Volatility, lead-lag, toxicity and regime state of one series, and its fair value."""

    def __init__(self, config: AlphaConfig | None = None) -> None:
        self.config = config or AlphaConfig()
        c = self.config
        self.history = PriceHistory()
        #: The venue's published TWAP prints, per second (the settlement source under the TWAP rule).
        self.twap = PriceHistory()
        self.vol_slow = EwmaVolatility(c.vol_half_life_s, c.vol_floor_per_sqrt_s)
        self.vol_fast = EwmaVolatility(c.vol_fast_half_life_s, c.vol_floor_per_sqrt_s)
        self.vol_long = EwmaVolatility(c.vol_long_half_life_s, c.vol_floor_per_sqrt_s)
        self.lead = LeadLag(c.max_lag_s, c.lead_half_life_s)
        self.toxicity = ToxicityTracker()
        self._oracle_recv_ms: int | None = None
        self._lead_recv_ms: int | None = None
        #: Per window (slug) and side (True: Up), the book's mid in ppm and when it was seen.
        self._book: dict[str, dict[bool, tuple[int, int]]] = {}
        #: The last evaluation's settlement distribution, volatility and seconds left (for calibration).
        self.last_fair: tuple[Distribution, float, int, float] | None = None

    def reconfigure(self, config: AlphaConfig) -> None:
        """New parameters (a live reload) without forgetting the market: the volatility estimates
        keep their values and decay at the new half-lives from now on; the lead-lag estimate starts
        over only when its own shape (the longest lag, its half-life) changed."""
        c = self.config = config
        self.vol_slow.retune(c.vol_half_life_s, c.vol_floor_per_sqrt_s)
        self.vol_fast.retune(c.vol_fast_half_life_s, c.vol_floor_per_sqrt_s)
        self.vol_long.retune(c.vol_long_half_life_s, c.vol_floor_per_sqrt_s)
        if (self.lead.max_lag_s, self.lead.half_life_s) != (c.max_lag_s, c.lead_half_life_s):
            self.lead = LeadLag(c.max_lag_s, c.lead_half_life_s)

    def on_oracle(self, ts_ms: int, price: float, recv_ms: int) -> None:
        """A Chainlink tick; a later tick for the same second is a correction and replaces it."""
        second = ts_ms // 1000
        if not self.history.add(second, price):
            return
        self.vol_slow.update(second, price)
        self.vol_fast.update(second, price)
        self.vol_long.update(second, price)
        self.lead.on_oracle(second, price)
        self._oracle_recv_ms = recv_ms if self._oracle_recv_ms is None else max(self._oracle_recv_ms, recv_ms)

    def on_twap(self, ts_ms: int, price: float) -> None:
        """A print of the venue's TWAP (``chainlink_twap60``): the average the market settles on."""
        self.twap.add(ts_ms // 1000, price)

    def on_lead(self, ts_ms: int, price: float, recv_ms: int) -> None:
        """A Binance tick."""
        self.lead.on_lead(ts_ms // 1000, price)
        self._lead_recv_ms = recv_ms if self._lead_recv_ms is None else max(self._lead_recv_ms, recv_ms)

    def on_book(self, slug: str, up: bool, bid_micro: int | None, ask_micro: int | None, now_ms: int) -> None:
        """A top of book of one outcome of window ``slug``; a one-sided book has no mid and is dropped."""
        sides = self._book.setdefault(slug, {})
        if bid_micro is None or ask_micro is None or ask_micro < bid_micro:
            sides.pop(up, None)
            return
        sides[up] = ((bid_micro + ask_micro) // 2, now_ms)
        while len(self._book) > BOOK_WINDOWS_KEPT:
            del self._book[next(iter(self._book))]

    def book_up_mid(self, slug: str, now_ms: int) -> float | None:
        """The market's Up probability: the mean of the fresh Up mid and one minus the Down mid."""
        mids = [(mid if up else 1_000_000 - mid) / 1_000_000 for up, (mid, seen_ms) in self._book.get(slug, {}).items()
                if now_ms - seen_ms <= self.config.book_stale_ms]  # fmt: skip
        return sum(mids) / len(mids) if mids else None

    def on_own_fill(self, fill_id: str, ts_ms: int, outcome_up: bool, price_micro: int) -> None:
        self.toxicity.on_own_fill(fill_id, ts_ms, outcome_up, price_micro)

    def on_taker_trade(self, ts_ms: int, up_direction: bool, size_micro: int) -> None:
        self.toxicity.on_taker_trade(ts_ms, up_direction, size_micro)

    def sigma(self) -> float:
        """The volatility forecast: the recent estimate (the fast one when it runs ahead of the slow
        one: regime-aware) blended with the long-run level it reverts to."""
        return self._sigma(self.vol_slow.sigma, self.vol_fast.sigma)

    def _sigma(self, slow: float, fast: float) -> float:
        c = self.config
        recent = max(slow, fast) if fast > c.volatile_ratio * slow else slow
        w = c.long_vol_weight
        return math.sqrt((1.0 - w) * recent * recent + w * self.vol_long.sigma**2)

    def q_up(self, dist: Distribution, sigma: float, future_s: int) -> float:
        """P(Up) from the settlement distribution, with the tails (volatility uncertainty, jumps)."""
        ratio = self.vol_fast.sigma / self.vol_slow.sigma
        return q_up_with_tails(dist, sigma, future_s, self.vol_slow.effective_returns, ratio, self.config)

    def evaluate(self, now_ms: int, window: WindowSpec, halted: bool = False) -> Signal:
        """The signal for ``window`` at ``now_ms``."""
        c = self.config
        slow, fast = self.vol_slow.sigma, self.vol_fast.sigma
        sigma = self._sigma(slow, fast)
        now_s, oracle = self.history.last_s, self.history.last_price()
        lead = self.lead.state(sigma, c.fast_move_sigmas, c.fast_move_min_log)
        disagreement = abs(lead.gap) > c.disagreement_log
        lead_fresh = self._lead_recv_ms is not None and now_ms - self._lead_recv_ms <= c.lead_stale_ms
        spot = oracle
        if c.use_lead_in_fair and lead_fresh and not disagreement and lead.implied_oracle is not None:
            spot = lead.implied_oracle
        dist = None
        if now_s is not None and spot is not None:
            drift = self.vol_slow.drift if c.use_drift else 0.0
            dist = settlement_distribution(window, self.history, now_s, spot, sigma, drift, self.twap,
                                           c.published_twap_stale_s)  # fmt: skip
        q_up = 0.5
        self.last_fair = None
        if dist is not None and now_s is not None:
            q_up = self.q_up(dist, sigma, window.end_s - now_s)
            self.last_fair = (dist, sigma, window.end_s - now_s, fast / slow)
            if c.book_blend_weight > 0.0 and (mid := self.book_up_mid(window.slug, now_ms)) is not None:
                q_up = blend_book(q_up, mid, c.book_blend_weight, c.q_clip)
        fair_up_micro = round(q_up * 1_000_000)
        self.toxicity.on_fair(now_ms, fair_up_micro)
        toxicity = self.toxicity.state(now_ms)
        time_to_end_ms = window.end_s * 1000 - now_ms
        state = classify(
            RegimeInputs(
                now_ms,
                self._oracle_recv_ms,
                self._lead_recv_ms,
                time_to_end_ms,
                slow,
                fast,
                disagreement,
                halted,
                dist is not None,
            ),
            c,
        )
        move_sd = fair_move_sd(dist, spot, sigma, c.reaction_s) if dist is not None and spot else 0.0
        stale = state.regime in (Regime.STALE_ORACLE, Regime.HALTED)
        return Signal(
            series=window.series,
            slug=window.slug,
            window_end_ms=window.end_s * 1000,
            computed_ms=now_ms,
            valid_until_ms=now_ms + c.signal_ttl_ms,
            regime=state.regime.value,
            flags=state.flags,
            q_up_ppm=fair_up_micro,
            target_total_micro=c.min_target_total_micro
            if stale
            else target_total_micro(move_sd, toxicity.toxicity_micro, c),
            size_factor_ppm=state.size_factor_ppm,
            oracle_price_micro=_micro(oracle),
            strike_micro=_micro(dist.strike) if dist is not None else None,
            vol_ppb=round(slow * 1e9),
            vol_fast_ppb=round(fast * 1e9),
            settlement_sd_micro=round(dist.sd * 1_000_000) if dist is not None else 0,
            toxicity_micro=toxicity.toxicity_micro,
            markout_1s_micro=toxicity.markouts_micro[0],
            markout_5s_micro=toxicity.markouts_micro[1],
            markout_30s_micro=toxicity.markouts_micro[2],
            flow_imbalance_ppm=toxicity.flow_imbalance_ppm,
            lead_lag_ms=lead.lag_s * 1000,
            lead_basis_ppb=round(lead.basis * 1e9) if math.isfinite(lead.basis) else 0,
            fast_move=lead.fast_move,
            time_to_end_ms=time_to_end_ms,
        )
