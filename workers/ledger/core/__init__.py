"""The pure ledger core."""

from workers.ledger.core.ledger import Closed, Ledger, MarketBooks
from workers.ledger.core.market import Holding, State, notional_micro
from workers.ledger.core.summary import WindowCounters, window_summary

__all__ = ["Closed", "Holding", "Ledger", "MarketBooks", "State", "WindowCounters", "notional_micro", "window_summary"]
