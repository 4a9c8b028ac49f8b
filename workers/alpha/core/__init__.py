"""The pure alpha core: volatility, settlement probability, lead-lag, toxicity, regime, target."""

from workers.alpha.core.config import AlphaConfig
from workers.alpha.core.engine import AlphaCore
from workers.alpha.core.types import Regime, SettlementRule, WindowSpec

__all__ = ["AlphaConfig", "AlphaCore", "Regime", "SettlementRule", "WindowSpec"]
