"""The rewards worker's Prometheus series (served by the runner on the worker's metrics port)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

TWO_SIDED_RATIO = Gauge(
    "updown_rewards_two_sided_ratio",
    "Share of observed time in the current window with scoring orders on both sides (0..1)",
    ["series"],
)
IN_BAND_RATIO = Gauge(
    "updown_rewards_in_band_ratio",
    "Share of observed time in the current window with at least one scoring order (0..1)",
    ["series"],
)
ESTIMATED_REWARD_MICRO = Gauge(
    "updown_rewards_estimated_micro",
    "Estimated liquidity reward of the current window so far, micro-pUSD",
    ["series"],
)
ESTIMATED_REBATE_MICRO = Gauge(
    "updown_rewards_estimated_rebate_micro",
    "Estimated maker rebate of the current window so far, micro-pUSD",
    ["series"],
)
REWARD_SHARE = Gauge("updown_rewards_share", "Our latest estimated share of a reward sample (0..1)", ["series"])
WINDOW_REWARD_MICRO = Counter(
    "updown_rewards_window_reward_micro_total",
    "Estimated liquidity rewards of finished windows, micro-pUSD",
    ["series"],
)
WINDOW_REBATE_MICRO = Counter(
    "updown_rewards_window_rebate_micro_total",
    "Estimated maker rebates of finished windows, micro-pUSD",
    ["series"],
)
SCORING_ORDERS = Gauge("updown_rewards_scoring_orders", "Our live orders that score (the venue's word)", ["series"])
VENUE_MISMATCHES = Counter(
    "updown_rewards_venue_mismatch_total",
    "Orders where the venue's scoring answer differed from our estimate",
    ["series"],
)
HINTS = Counter("updown_rewards_hints_total", "Hints published to the quoter", ["series", "outcome", "reason"])
