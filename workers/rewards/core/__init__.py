"""The rewards core: pure functions of our live orders, the book, the market's reward config and a
clock reading (``now_ms`` in each observation). No I/O."""

from workers.rewards.core.accrual import MAX_HOLD_MS, Observation, RewardTally, add_maker_fill, observe
from workers.rewards.core.hints import HintPlan, plan_hint, plan_hints
from workers.rewards.core.scoring import adjusted_midpoint, q_min, score_market, score_order, spread_score
from workers.rewards.core.types import LiveOrder, MarketScore, OrderScore, RewardConfig, UnifiedBook
from workers.rewards.core.venue import ScoringRecord, reconcile, scoring_batches, scoring_sides

__all__ = [
    "MAX_HOLD_MS",
    "HintPlan",
    "LiveOrder",
    "MarketScore",
    "Observation",
    "OrderScore",
    "RewardConfig",
    "RewardTally",
    "ScoringRecord",
    "UnifiedBook",
    "add_maker_fill",
    "adjusted_midpoint",
    "observe",
    "plan_hint",
    "plan_hints",
    "q_min",
    "reconcile",
    "score_market",
    "score_order",
    "scoring_batches",
    "scoring_sides",
    "spread_score",
]
