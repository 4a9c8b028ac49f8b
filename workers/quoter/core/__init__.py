"""The pure quoter core: ladder, skew, endgame, completion and complete sets, limits, churn."""

from workers.quoter.core.config import EndgameMode, QuoterConfig
from workers.quoter.core.engine import QuoterCore
from workers.quoter.core.types import (
    Books,
    BookTop,
    MarketMeta,
    Outcome,
    Positions,
    QuoterInputs,
    RewardHint,
    TradingMode,
)

__all__ = [
    "BookTop",
    "Books",
    "EndgameMode",
    "MarketMeta",
    "Outcome",
    "Positions",
    "QuoterConfig",
    "QuoterCore",
    "QuoterInputs",
    "RewardHint",
    "TradingMode",
]
