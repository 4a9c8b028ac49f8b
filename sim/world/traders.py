"""Background traders: passive makers who keep a wide two-sided book, noise takers, an informed taker
who trades the lead feed against stale quotes, and a TWAP executor that splits parent orders.

They only ever BUY (Up or Down): on the unified book a BUY Down at q is a SELL Up at 1−q, so nobody
needs inventory, and a BUY Up meeting a BUY Down mints a full set. Each trader is its own account
and acts through the exchange's internal entry points, under the same rules as everyone else.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Protocol

from eth_utils.crypto import keccak

from sim.world.config import E18
from sim.world.fair import q_up
from sim.world.feeds import AssetFeeds, Source
from sim.world.trader_config import TraderConfig
from sim.world.windows import Window

MICRO = 1_000_000
#: Traders price on the 1-cent grid, which is valid under either tick size.
GRID_MICRO = 10_000
MIN_PRICE_MICRO, MAX_PRICE_MICRO = 10_000, 990_000
#: The venue's $1 minimum for marketable orders, with a margin for rounding.
MIN_NOTIONAL_MICRO = 1_100_000


class ExchangePort(Protocol):
    def submit_internal(self, account_id: str, token_id: str, side: str, price_micro: int, size_micro: int,
                        order_type: str = "GTC", post_only: bool = False) -> dict[str, Any]: ...

    def cancel_internal(self, account_id: str, order_id: str) -> bool: ...

    def book(self, token_id: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]: ...

    def ensure_account(self, account_id: str, address: str | None = None, pusd_micro: int = 0) -> Any: ...


def account_address(name: str) -> str:
    return "0x" + keccak(f"updown-sim-trader:{name}".encode())[-20:].hex()


def clamp_price(p_micro: int) -> int:
    return min(max(p_micro // GRID_MICRO * GRID_MICRO, MIN_PRICE_MICRO), MAX_PRICE_MICRO)


@dataclass
class Context:
    """What a trader sees at one step."""

    now_ms: int
    windows: list[Window]
    feeds: dict[str, AssetFeeds]
    exchange: ExchangePort
    cfg: TraderConfig

    def fair(self, window: Window, lead: bool) -> float | None:
        """q_up from the lead (Binance, basis removed) or the slow (Chainlink) feed."""
        feeds = self.feeds[window.series.asset]
        tick = feeds.latest(Source.BINANCE if lead else Source.CHAINLINK)
        if tick is None or window.strike_e18 is None:
            return None
        spot = tick.value_e18 / E18
        if lead:
            spot /= 1 + feeds.config.binance_basis_bps / 10_000
        left_s = window.end_s - self.now_ms / 1000
        return q_up(spot, window.strike_e18 / E18, left_s, self.cfg.vol_annual, window.series.rule)

    def best_ask(self, token_id: str) -> tuple[int, int] | None:
        try:
            _, asks = self.exchange.book(token_id)
        except KeyError:
            return None
        return asks[0] if asks else None


class Trader(ABC):
    def __init__(self, name: str, seed: int) -> None:
        self.name = name
        self.rng = random.Random(f"{seed}:traders:{name}")
        self.orders_sent = 0

    def send(self, ctx: Context, token_id: str, price_micro: int, size_micro: int, order_type: str,
             post_only: bool = False) -> dict[str, Any]:
        self.orders_sent += 1
        return ctx.exchange.submit_internal(self.name, token_id, "BUY", price_micro, size_micro, order_type,
                                            post_only)

    def take(self, ctx: Context, token_id: str, limit_micro: int, size_micro: int, order_type: str) -> None:
        limit = clamp_price(limit_micro)
        size = max(size_micro, -(-MIN_NOTIONAL_MICRO * MICRO // limit))
        self.send(ctx, token_id, limit, size // 10_000 * 10_000, order_type)

    @abstractmethod
    def step(self, ctx: Context) -> None:
        """One decision of this trader at the current clock."""


class PassiveMaker(Trader):
    def __init__(self, name: str, seed: int, index: int) -> None:
        super().__init__(name, seed)
        self.index = index
        self._live: dict[str, list[str]] = {}  # condition id -> resting order ids
        self._next_ms: dict[str, int] = {}

    def step(self, ctx: Context) -> None:
        cfg = ctx.cfg.makers
        for window in ctx.windows:
            cid = window.ids.condition_id
            if ctx.now_ms < self._next_ms.get(cid, 0):
                continue
            self._next_ms[cid] = ctx.now_ms + cfg.refresh_ms + self.rng.randrange(cfg.refresh_ms // 4 + 1)
            fair = ctx.fair(window, lead=False)
            if fair is None:
                continue
            for order_id in self._live.pop(cid, []):
                ctx.exchange.cancel_internal(self.name, order_id)
            fair = min(max(fair + self.rng.gauss(0.0, cfg.fair_noise), 0.02), 0.98)
            half = cfg.half_spread_micro + self.index * cfg.extra_spread_per_maker_micro
            fair_micro = int(fair * MICRO)
            live: list[str] = []
            for level in range(cfg.levels):
                off = half + level * cfg.level_step_micro
                for token, price in ((window.ids.token_ids[0], fair_micro - off),
                                     (window.ids.token_ids[1], MICRO - fair_micro - off)):
                    if price < MIN_PRICE_MICRO:
                        if level > 0:
                            continue
                        price = MIN_PRICE_MICRO  # keep a deep out-of-the-money bid on the far side
                    size = self.rng.randrange(cfg.min_size_micro, cfg.max_size_micro + 1, 1_000_000)
                    result = self.send(ctx, token, clamp_price(price), size, "GTC", post_only=True)
                    if result.get("success") and result.get("status") == "live":
                        live.append(str(result["orderID"]))
            self._live[cid] = live
        open_ids = {w.ids.condition_id for w in ctx.windows}
        for cid in [c for c in self._live if c not in open_ids]:
            del self._live[cid]


class NoiseTaker(Trader):
    def step(self, ctx: Context, dt_ms: int = 0) -> None:
        cfg = ctx.cfg.noise
        p = cfg.orders_per_min * dt_ms / 60_000
        for window in ctx.windows:
            if self.rng.random() >= p:
                continue
            token = window.ids.token_ids[self.rng.randrange(2)]
            ask = ctx.best_ask(token)
            if ask is None:
                continue
            size = self.rng.randrange(cfg.min_size_micro, cfg.max_size_micro + 1, 1_000_000)
            kind = "FOK" if self.rng.random() < cfg.fok_share else "FAK"
            if kind == "FOK":
                size = min(size, ask[1])
            self.take(ctx, token, ask[0] + cfg.slippage_micro, size, kind)


class InformedTaker(Trader):
    def __init__(self, name: str, seed: int) -> None:
        super().__init__(name, seed)
        self._next_ms = 0

    def step(self, ctx: Context) -> None:
        cfg = ctx.cfg.informed
        if ctx.now_ms < self._next_ms:
            return
        self._next_ms = ctx.now_ms + cfg.check_ms
        for window in ctx.windows:
            fair = ctx.fair(window, lead=True)
            if fair is None:
                continue
            for token, value in ((window.ids.token_ids[0], fair), (window.ids.token_ids[1], 1.0 - fair)):
                ask = ctx.best_ask(token)
                worth = int(value * MICRO) - cfg.edge_micro
                if ask is not None and ask[0] <= worth:
                    self.take(ctx, token, worth, min(ask[1], cfg.max_size_micro), "FAK")


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
        self.makers = [PassiveMaker(f"sim-maker-{i + 1}", seed, i) for i in range(cfg.makers.count)]
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
