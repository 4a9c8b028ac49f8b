"""What every background trader shares: the exchange it trades on, what it sees at a step, and how
it sends an order.

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
                        order_type: str = "GTC", post_only: bool = False, delay: bool = False) -> dict[str, Any]: ...

    def cancel_internal(self, account_id: str, order_id: str) -> bool: ...

    def order(self, order_id: str) -> Any: ...

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
        """q_up from the lead (Binance, basis removed) or the slow (Chainlink) feed, priced with the
        volatility estimated from the lead."""
        feeds = self.feeds[window.series.asset]
        tick = feeds.latest(Source.BINANCE if lead else Source.CHAINLINK)
        if tick is None or window.strike_e18 is None:
            return None
        spot = tick.value_e18 / E18
        if lead:
            spot /= 1 + feeds.config.binance_basis_bps / 10_000
        return self.q_at(window, spot)

    def direct_fair(self, window: Window, latency_ms: int) -> float | None:
        """q_up from the market's own price ``latency_ms`` ago (a direct exchange feed)."""
        if window.strike_e18 is None:
            return None
        return self.q_at(window, self.feeds[window.series.asset].market_at(self.now_ms - latency_ms))

    def q_at(self, window: Window, spot: float) -> float:
        """q_up at ``spot`` with the volatility estimated from the lead, times the market's premium."""
        assert window.strike_e18 is not None
        left_s = window.end_s - self.now_ms / 1000
        vol = self.feeds[window.series.asset].vol.annual * self.cfg.vol_premium
        return q_up(spot, window.strike_e18 / E18, left_s, vol, window.series.rule)

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
             post_only: bool = False, delay: bool = False) -> dict[str, Any]:
        self.orders_sent += 1
        return ctx.exchange.submit_internal(self.name, token_id, "BUY", price_micro, size_micro, order_type,
                                            post_only, delay)

    def take(self, ctx: Context, token_id: str, limit_micro: int, size_micro: int, order_type: str,
             delay: bool = False) -> None:
        """A marketable BUY; with ``delay`` it waits out the venue's taker delay as API orders do."""
        limit = clamp_price(limit_micro)
        size = max(size_micro, -(-MIN_NOTIONAL_MICRO * MICRO // limit))
        self.send(ctx, token_id, limit, size // 10_000 * 10_000, order_type, delay=delay)

    @abstractmethod
    def step(self, ctx: Context) -> None:
        """One decision of this trader at the current clock."""


