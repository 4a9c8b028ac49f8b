"""A live reload of the alpha core's parameters keeps what it learned of the market."""

from __future__ import annotations

import dataclasses
import math

from common.strategy.alpha import AlphaConfig
from workers.alpha.core.engine import AlphaCore


def warmed() -> AlphaCore:
    core = AlphaCore()
    price = 100_000.0
    for s in range(1_000):
        price *= math.exp(0.0004 * math.sin(s * 0.7))
        core.on_oracle(s * 1000, price, s * 1000 + 900)
        core.on_lead(s * 1000, price * 1.0001, s * 1000 + 100)
    return core


def test_new_spreads_apply_and_the_volatility_estimates_stay() -> None:
    core = warmed()
    sigma, lead = core.sigma(), core.lead
    core.reconfigure(dataclasses.replace(AlphaConfig(), base_half_spread_micro=30_000, vol_half_life_s=600.0))
    assert core.config.base_half_spread_micro == 30_000
    assert core.sigma() == sigma and core.sigma() > AlphaConfig().vol_floor_per_sqrt_s
    assert core.lead is lead  # its shape did not change


def test_a_new_lead_lag_shape_restarts_only_the_lead_lag_estimate() -> None:
    core = warmed()
    sigma = core.sigma()
    core.reconfigure(dataclasses.replace(AlphaConfig(), max_lag_s=3))
    assert core.lead.max_lag_s == 3 and core.lead.samples == 0
    assert core.sigma() == sigma
