"""Background takers: noise takers at the venue's volume, an informed taker on a direct exchange feed
who takes stale quotes when its edge beats the fee, and a TWAP executor that splits parent orders;
and the pool that runs them with the makers (``sim.world.makers``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.world.feeds import AssetFeeds
from sim.world.makers import TouchMaker
from sim.world.trader_base import MICRO, Context, ExchangePort, Trader, account_address
from sim.world.trader_config import TraderConfig
from sim.world.windows import Window


class NoiseTaker(Trader):
    def step(self, ctx: Context, dt_ms: int = 0) -> None:
        cfg = ctx.cfg.noise
        p = cfg.orders_per_min * dt_ms / 60_000
        for window in ctx.windows:
            w = window.series.window_s
            _, scale = min(cfg.volume_scale_by_window_s, key=lambda entry: abs(math.log(entry[0] / w)))
            if self.rng.random() >= p * scale:
                continue
            token = window.ids.token_ids[self.rng.randrange(2)]
            ask = ctx.best_ask(token)
            if ask is None:
                continue
            shares = cfg.median_size_micro / MICRO * math.exp(self.rng.gauss(0.0, cfg.size_log_sd))
            size = min(max(round(shares) * MICRO, cfg.min_size_micro), cfg.max_size_micro)
            kind = "FOK" if self.rng.random() < cfg.fok_share else "FAK"
            if kind == "FOK":
                size = min(size, ask[1])
            self.take(ctx, token, ask[0] + cfg.slippage_micro, size, kind)


class InformedTaker(Trader):
    """Takes an ask when the fair value from its direct feed beats it by more than the taker fee."""

    def __init__(self, name: str, seed: int) -> None:
        super().__init__(name, seed)
        self._next_ms = 0

    def step(self, ctx: Context) -> None:
        cfg = ctx.cfg.informed
        if ctx.now_ms < self._next_ms:
            return
        self._next_ms = ctx.now_ms + cfg.check_ms
        for window in ctx.windows:
            fair = ctx.direct_fair(window, cfg.latency_ms)
            if fair is None:
                continue
            for token, value in ((window.ids.token_ids[0], fair), (window.ids.token_ids[1], 1.0 - fair)):
                ask = ctx.best_ask(token)
                if ask is None:
                    continue
                p = ask[0] / MICRO
                edge_micro = (value - p - cfg.fee_rate * p * (1 - p)) * MICRO
                if edge_micro >= cfg.edge_micro:
                    self.take(ctx, token, ask[0], min(ask[1], cfg.max_size_micro), "FAK", delay=cfg.delayed)


@dataclass
class _Parent:
    token_id: str
    left_micro: int
    child_micro: int
    every_ms: int
    next_ms: int


class TwapExecutor(Trader):
    def __init__(self, name: str, seed: int) -> None:
        super().__init__(name, seed)
        self._parents: dict[str, _Parent] = {}

    def step(self, ctx: Context, dt_ms: int = 0) -> None:
        cfg = ctx.cfg.twap
        for window in ctx.windows:
            cid = window.ids.condition_id
            parent = self._parents.get(cid)
            if parent is None and self.rng.random() < cfg.parents_per_hour * dt_ms / 3_600_000:
                total = self.rng.randrange(cfg.min_parent_micro, cfg.max_parent_micro + 1, 1_000_000)
                every = max(window.series.window_s * 1000 // (3 * cfg.slices), 200)
                token = window.ids.token_ids[self.rng.randrange(2)]
                parent = _Parent(token, total, total // cfg.slices, every, ctx.now_ms)
                self._parents[cid] = parent
            if parent is None or ctx.now_ms < parent.next_ms:
                continue
            parent.next_ms += parent.every_ms
            ask = ctx.best_ask(parent.token_id)
            if ask is not None:
                self.take(ctx, parent.token_id, ask[0] + cfg.slippage_micro, parent.child_micro, "FAK")
            parent.left_micro -= parent.child_micro
            if parent.left_micro <= 0:
                del self._parents[cid]
        open_ids = {w.ids.condition_id for w in ctx.windows}
        for cid in [c for c in self._parents if c not in open_ids]:
            del self._parents[cid]


class TraderPool:
    """All background traders; ``step(now_ms, windows, feeds, exchange)`` once per server tick."""

    def __init__(self, cfg: TraderConfig, seed: int) -> None:
        self.cfg = cfg
        self.makers: list[Trader] = [TouchMaker(f"sim-maker-{i + 1}", seed, i) for i in range(cfg.makers.count)]
        self.noise = NoiseTaker("sim-noise-1", seed)
        self.informed = InformedTaker("sim-informed-1", seed)
        self.twap = TwapExecutor("sim-twap-1", seed)
        self._last_ms: int | None = None
        self._funded = False

    @property
    def traders(self) -> list[Trader]:
        return [*self.makers, self.noise, self.informed, self.twap]

    def fund(self, exchange: ExchangePort) -> None:
        for trader in self.traders:
            exchange.ensure_account(trader.name, account_address(trader.name), self.cfg.pusd_micro)
        self._funded = True

    def step(
        self, now_ms: int, windows: list[Window], feeds: dict[str, AssetFeeds], exchange: ExchangePort
    ) -> None:
        if not self.cfg.enabled:
            return
        if not self._funded:
            self.fund(exchange)
        dt_ms = 0 if self._last_ms is None else now_ms - self._last_ms
        self._last_ms = now_ms
        ordered = sorted(windows, key=lambda w: (w.series.key, w.start_s))
        ctx = Context(now_ms, ordered, feeds, exchange, self.cfg)
        for maker in self.makers:
            maker.step(ctx)
        self.informed.step(ctx)
        self.noise.step(ctx, dt_ms)
        self.twap.step(ctx, dt_ms)
