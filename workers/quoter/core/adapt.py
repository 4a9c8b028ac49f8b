"""Bus messages → the quoter core's inputs: the loop's only translation layer."""

from __future__ import annotations

from decimal import Decimal

from common.fees import CRYPTO_FEES_V2, NO_FEES, FeeSchedule
from common.schemas.market import MarketRecord
from common.schemas.rewards import RewardHintMessage
from workers.quoter.core.types import MarketMeta, Outcome, RewardHint

_PPM = Decimal(1_000_000)


class NotAnUpDownMarket(ValueError):
    """A market record that is not a binary Up/Down window."""


def fee_schedule_of(record: MarketRecord) -> FeeSchedule:
    """The record's fee curve (today's crypto curve when fees are on but the schedule is missing)."""
    if not record.fees_enabled:
        return NO_FEES
    s = record.fee_schedule
    if s is None:
        return CRYPTO_FEES_V2
    return FeeSchedule(
        rate=Decimal(s.rate_ppm) / _PPM,
        exponent=s.exponent,
        taker_only=s.taker_only,
        rebate_rate=Decimal(s.rebate_rate_ppm) / _PPM,
    )


def market_from_record(record: MarketRecord, *, rewards_enabled: bool = False) -> MarketMeta:
    """The quoter's view of a ``market.record``. ``rewards_enabled`` says whether the market's reward
    pool is funded (the record only carries its configuration)."""
    names = [o.strip().lower() for o in record.outcomes]
    if record.series is None or record.window_end_ms is None or sorted(names) != ["down", "up"]:
        raise NotAnUpDownMarket(f"{record.slug} is not an Up/Down window")
    up_token, down_token = (record.token_ids[names.index(n)] for n in ("up", "down"))
    return MarketMeta(
        series=record.series,
        slug=record.slug,
        condition_id=record.condition_id,
        up_token_id=up_token,
        down_token_id=down_token,
        tick_micro=record.tick_size_micro,
        protocol_v2=record.protocol_version == "v2",
        window_end_ms=record.window_end_ms,
        min_size_micro=record.min_size_micro,
        rewards_enabled=rewards_enabled and record.rewards_min_size_micro > 0,
        reward_min_size_micro=record.rewards_min_size_micro,
        reward_max_spread_micro=record.rewards_max_spread_micro,
        fee=fee_schedule_of(record),
    )


def hint_from_message(message: RewardHintMessage, now_ms: int) -> RewardHint | None:
    """A ``rewards.hint`` as the quoter's input, or None once it is stale."""
    if now_ms > message.valid_until_ms:
        return None
    return RewardHint(
        outcome=Outcome(message.outcome),
        min_size_micro=message.min_size_micro,
        max_spread_micro=message.max_spread_micro,
        midpoint_micro=message.midpoint_micro,
    )
