"""Builders for the rewards tests: shares and cents to micro-units, and the BTC 15m reward config."""

from __future__ import annotations

from workers.rewards.core import LiveOrder, RewardConfig

#: BTC 15m (Jul–Oct 2026): rewardsMaxSpread 4.5 cents, rewardsMinSize 50 shares; a $1000/day pool.
BTC_15M = RewardConfig(max_spread_micro=45_000, min_size_micro=50_000_000, pool_daily_micro=1_000_000_000)


def c(cents: float | int) -> int:
    """A price in cents as micro-pUSD (test literals only)."""
    return round(cents * 10_000)


def sh(shares: int) -> int:
    return shares * 1_000_000


def buy(order_id: str, outcome: str, cents: float | int, shares: int) -> LiveOrder:
    return LiveOrder(order_id, outcome, "BUY", c(cents), sh(shares))  # type: ignore[arg-type]
