"""Core results as bus bodies (``common.schemas.rewards``), and a hint body back as the quoter's type."""

from __future__ import annotations

from common.schemas.rewards import RewardEstimate, RewardHintMessage
from workers.quoter.core.types import Outcome, RewardHint
from workers.rewards.core.accrual import RewardTally
from workers.rewards.core.hints import HintPlan
from workers.rewards.core.venue import ScoringRecord

#: How long a hint stays valid: a little over the book's usual refresh, so a stale one dies fast.
HINT_TTL_MS = 5_000


def hint_message(plan: HintPlan, market: str, series: str, now_ms: int, ttl_ms: int = HINT_TTL_MS) -> RewardHintMessage:
    h = plan.hint
    return RewardHintMessage(
        market=market, series=series, outcome=h.outcome.value, min_size_micro=h.min_size_micro,
        max_spread_micro=h.max_spread_micro, midpoint_micro=h.midpoint_micro, reason=plan.reason,
        order_id=plan.order_id, target_price_micro=plan.target_price_micro,
        target_size_micro=plan.target_size_micro, valid_until_ms=now_ms + ttl_ms, asof_ms=now_ms,
    )  # fmt: skip


def hint_from_message(msg: RewardHintMessage, now_ms: int) -> RewardHint | None:
    """The quoter's ``RewardHint`` from a bus body; None once it is stale."""
    if now_ms > msg.valid_until_ms:
        return None
    return RewardHint(Outcome(msg.outcome), msg.min_size_micro, msg.max_spread_micro, msg.midpoint_micro)


def estimate_message(
    tally: RewardTally,
    records: tuple[ScoringRecord, ...],
    mismatches: int,
    *,
    market: str,
    series: str,
    window_start_ms: int,
    window_end_ms: int,
    now_ms: int,
) -> RewardEstimate:
    last = tally.last
    share = last.share if last is not None else 0
    return RewardEstimate(
        market=market, series=series, window_start_ms=window_start_ms, window_end_ms=window_end_ms,
        observed_ms=tally.observed_ms, two_sided_ms=tally.two_sided_ms, any_side_ms=tally.any_side_ms,
        reward_micro=tally.reward_floor_micro,
        fee_equivalent_micro=int((tally.fee_equivalent * 1_000_000).to_integral_value(rounding="ROUND_FLOOR")),
        rebate_micro=tally.rebate_floor_micro, pool_daily_micro=last.pool_daily_micro if last else None,
        share_ppm=int(share * 1_000_000), scoring_orders=sum(1 for r in records if r.scoring),
        live_orders=len(records), venue_mismatches=mismatches, asof_ms=now_ms,
    )  # fmt: skip
