"""The pure quoter core: ladder, skew, endgame, completion and complete sets, limits, churn."""

from common.native import ensure_fresh

ensure_fresh()  # compiled with mypyc by `make`: never a binary built from other sources

from common.strategy.quoter import EndgameMode, QuoterConfig  # noqa: E402
from workers.quoter.core.engine import QuoterCore  # noqa: E402
from workers.quoter.core.types import (  # noqa: E402
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
