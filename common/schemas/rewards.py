"""What the ``rewards`` worker publishes on the ``rewards`` stream: hints to the quoter and
per-window estimates of what our quotes earn (liquidity rewards, maker rebates).

Prices are micro-pUSD per share, sizes micro-shares, amounts micro-pUSD, shares of a pool parts
per million (``_ppm``), times ms. Estimates are rounded down.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from common.schemas.base import Message

OutcomeName = Literal["UP", "DOWN"]


class RewardHintMessage(Message):
    """What would make our best order on ``outcome`` score; the quoter follows it within its limits.

    The fields are the quoter's ``RewardHint``: it moves level 0 up to
    ``ceil_to_grid(midpoint_micro − max_spread_micro)`` and raises its size to ``min_size_micro``.
    """

    TYPE = "rewards.hint"
    VERSION = 1

    market: str
    series: str
    outcome: OutcomeName
    min_size_micro: int = Field(ge=0)
    #: One micro narrower than the reward band, so the quoter's ceil lands strictly inside it.
    max_spread_micro: int = Field(ge=0)
    #: The outcome's size-cutoff-adjusted midpoint, rounded down.
    midpoint_micro: int = Field(ge=0, le=1_000_000)
    #: "size", "band" or "size_and_band": what the order lacks.
    reason: Literal["size", "band", "size_and_band"]
    order_id: str
    target_price_micro: int
    target_size_micro: int
    #: A hint older than this is stale: the quoter ignores it.
    valid_until_ms: int
    asof_ms: int


class RewardEstimate(Message):
    """One window's running estimate of what our quotes earned, and how often they scored."""

    TYPE = "rewards.estimate"
    VERSION = 1

    market: str
    series: str
    window_start_ms: int
    window_end_ms: int
    #: Time we observed the book and our orders, and of it the time scoring on both / either side.
    observed_ms: int = Field(ge=0)
    two_sided_ms: int = Field(ge=0)
    any_side_ms: int = Field(ge=0)
    #: Expected liquidity reward so far (pool rate × our estimated share × time).
    reward_micro: int = Field(ge=0)
    #: Our maker fills' fee equivalent, and the rebate it earns at the market's rebate rate.
    fee_equivalent_micro: int = Field(ge=0)
    rebate_micro: int = Field(ge=0)
    #: The pool per day; None when the venue's pool is unknown.
    pool_daily_micro: int | None = None
    #: Our latest estimated share of a sample.
    share_ppm: int = Field(ge=0, le=1_000_000)
    scoring_orders: int = Field(ge=0)
    live_orders: int = Field(ge=0)
    #: Orders where the venue's ``/orders-scoring`` answer differed from our estimate (venue wins).
    venue_mismatches: int = Field(ge=0)
    asof_ms: int
