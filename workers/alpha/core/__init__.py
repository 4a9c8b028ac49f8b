"""The pure alpha core: volatility, settlement probability, lead-lag, toxicity, regime, target."""

from common.native import ensure_fresh

ensure_fresh()  # compiled with mypyc by `make`: never a binary built from other sources

from common.strategy.alpha import AlphaConfig  # noqa: E402
from workers.alpha.core.engine import AlphaCore  # noqa: E402
from workers.alpha.core.types import Regime, SettlementRule, WindowSpec  # noqa: E402

__all__ = ["AlphaConfig", "AlphaCore", "Regime", "SettlementRule", "WindowSpec"]
