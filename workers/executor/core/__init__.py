"""The pure executor core: diff, rate budget, heartbeat machine, order tracking, reconciliation."""

from workers.executor.core.budget import RateBudget
from workers.executor.core.config import DEFAULT_CONFIG, ExecutorConfig
from workers.executor.core.diff import Plan, ReplaceLimiter, diff, needs_replace
from workers.executor.core.engine import ExecutorCore
from workers.executor.core.heartbeat import HeartbeatMachine
from workers.executor.core.orders import LocalOrder, OrderState, PlaceSpec, Slot
from workers.executor.core.reconcile import ReconcilePlan, plan_reconcile
from workers.executor.core.retry import RetryDecision, decide
from workers.executor.core.signing import paper_order_id, sign_spec
from workers.executor.core.step import Step
from workers.executor.core.tracker import OrderTracker

__all__ = [
    "DEFAULT_CONFIG",
    "ExecutorConfig",
    "ExecutorCore",
    "HeartbeatMachine",
    "LocalOrder",
    "OrderState",
    "OrderTracker",
    "PlaceSpec",
    "Plan",
    "RateBudget",
    "ReconcilePlan",
    "ReplaceLimiter",
    "RetryDecision",
    "Slot",
    "Step",
    "decide",
    "diff",
    "needs_replace",
    "paper_order_id",
    "plan_reconcile",
    "sign_spec",
]
