"""The pure ledger core."""

from workers.ledger.core.ledger import Ledger, MarketBooks
from workers.ledger.core.market import Holding, State, notional_micro
from workers.ledger.core.summary import WindowCounters, window_summary

__all__ = ["Holding", "Ledger", "MarketBooks", "State", "WindowCounters", "notional_micro", "window_summary"]
