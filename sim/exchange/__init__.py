"""The emulator's exchange: a pure matching engine and accounts (no I/O, injected clock and RNG)."""

from sim.exchange.config import ExchangeConfig
from sim.exchange.events import Event
from sim.exchange.exchange import Exchange, OrderRejected, OrderRequest
from sim.exchange.markets import MarketSpec

__all__ = ["Event", "Exchange", "ExchangeConfig", "MarketSpec", "OrderRejected", "OrderRequest"]
