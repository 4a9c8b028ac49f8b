"""Competing makers at the touch: each quotes the fair value of Up from the lead market (a direct
exchange feed, slower than the informed taker's, faster than RTDS) about a tick wide, keeps its
queue place while its price holds, and requotes when the lead moves. Its half spread grows with
how far the fair value can move while it is blind (its latency): little mid-window, a lot in the
last minutes, which is how the book thins toward the end. Like every background trader
they only BUY: a BUY Down at 1 − a is an ask of Up at a on the unified book.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.world.realized_vol import SECONDS_PER_YEAR
from sim.world.trader_base import GRID_MICRO, MAX_PRICE_MICRO, MICRO, MIN_PRICE_MICRO, Context, Trader
from sim.world.windows import Window

#: An order with fewer shares left than this is replaced as if it were gone (the venue's 5 shares).
REFILL_BELOW_MICRO = 5_000_000


@dataclass
class _Resting:
    order_id: str
    price_micro: int


@dataclass
class _View:
    """A maker's private view, drawn once per ``view_ms``: its noise and half spread (micro-pUSD)."""

    period: int
    noise_micro: int
    half_micro: int


def floor_tick(p_micro: float) -> int:
    return int(p_micro // GRID_MICRO * GRID_MICRO)


def ceil_tick(p_micro: float) -> int:
    return int(-(-p_micro // GRID_MICRO) * GRID_MICRO)


class TouchMaker(Trader):
    def __init__(self, name: str, seed: int, index: int) -> None:
        super().__init__(name, seed)
        self.index = index
        self._resting: dict[tuple[str, str, int], _Resting] = {}  # (condition, token, level)
        self._views: dict[str, _View] = {}
        self._next_ms = 0

    def step(self, ctx: Context) -> None:
        cfg = ctx.cfg.makers
        if ctx.now_ms < self._next_ms:
            return
        self._next_ms = ctx.now_ms + cfg.check_ms + self.rng.randrange(cfg.check_ms // 4 + 1)
        for window in ctx.windows:
            quotes = self._quotes(ctx, window)
            if quotes is not None:
                self._place(ctx, window, quotes)
        open_ids = {w.ids.condition_id for w in ctx.windows}
        for key in [k for k in self._resting if k[0] not in open_ids]:
            del self._resting[key]
        for cid in [c for c in self._views if c not in open_ids]:
            del self._views[cid]

    def _quotes(self, ctx: Context, window: Window) -> tuple[int, int] | None:
        """(Up bid, Up ask) in micro-pUSD from the latest lead print this maker has reacted to."""
        cfg = ctx.cfg.makers
        if window.strike_e18 is None:
            return None
        feeds = ctx.feeds[window.series.asset]
        spot = feeds.market_at(ctx.now_ms - cfg.latency_ms)
        fair_q = ctx.q_at(window, spot)
        # the fair value's typical move while this maker is blind (its latency and its check period)
        blind_s = (cfg.latency_ms + cfg.check_ms) / 1000
        moved = spot * math.exp(feeds.vol.annual * ctx.cfg.vol_premium * math.sqrt(blind_s / SECONDS_PER_YEAR))
        adverse_micro = abs(ctx.q_at(window, moved) - fair_q) * MICRO * cfg.adverse_sds
        cid = window.ids.condition_id
        view = self._views.get(cid)
        period = (ctx.now_ms - cfg.latency_ms) // cfg.view_ms
        if view is None or view.period != period:
            view = _View(period, round(self.rng.gauss(0.0, cfg.fair_noise_micro)),
                         self.rng.randrange(cfg.max_half_spread_micro + 1))  # fmt: skip
            self._views[cid] = view
        fair = fair_q * MICRO + view.noise_micro
        half = view.half_micro + adverse_micro
        bid, ask = floor_tick(fair - half), ceil_tick(fair + half)
        if ask <= bid:
            ask = bid + GRID_MICRO
        return bid, ask

    def _place(self, ctx: Context, window: Window, quotes: tuple[int, int]) -> None:
        cfg = ctx.cfg.makers
        bid, ask = quotes
        up, down = window.ids.token_ids
        cid = window.ids.condition_id
        for level in range(cfg.levels):
            off = level * cfg.level_step_micro
            for token, price in ((up, bid - off), (down, MICRO - ask - off)):
                key = (cid, token, level)
                resting = self._resting.get(key)
                if resting is not None and resting.price_micro == price and self._alive(ctx, resting.order_id):
                    continue
                if resting is not None:
                    ctx.exchange.cancel_internal(self.name, resting.order_id)
                    del self._resting[key]
                if not MIN_PRICE_MICRO <= price <= MAX_PRICE_MICRO:
                    continue
                size = self.rng.randrange(cfg.min_size_micro, cfg.max_size_micro + 1, 1_000_000)
                result = self.send(ctx, token, price, size, "GTC", post_only=True)
                if result.get("success") and result.get("status") == "live":
                    self._resting[key] = _Resting(str(result["orderID"]), price)

    @staticmethod
    def _alive(ctx: Context, order_id: str) -> bool:
        order = ctx.exchange.order(order_id)
        return order is not None and order.ended_ms is None and order.remaining_micro >= REFILL_BELOW_MICRO
