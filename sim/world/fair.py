"""A simple fair value of Up for the background traders: P(settlement price ≥ strike).

The settlement price is modelled as a driftless Brownian motion in log price. Under the TWAP rule the
end price is the mean of the last 60 s, whose variance is that of the spot 40 s before the end while
more than a minute is left (τ − 60 + 60/3), and τ³/(3·60²) inside the last minute. Traders use floats
here: a probability that only decides whether to trade, never an amount.
"""

from __future__ import annotations

import math

from sim.world.config import ResolutionRule

SECONDS_PER_YEAR = 365.0 * 86_400
#: Probabilities are kept away from 0 and 1 so prices stay on the tradable grid.
Q_FLOOR = 0.01


def effective_seconds(seconds_left: float, rule: ResolutionRule, lookback_s: int = 60) -> float:
    tau = max(seconds_left, 0.0)
    if rule is ResolutionRule.SPOT:
        return tau
    if tau >= lookback_s:
        return tau - lookback_s + lookback_s / 3
    return tau**3 / (3 * lookback_s**2)


def q_up(spot: float, strike: float, seconds_left: float, vol_annual: float, rule: ResolutionRule) -> float:
    t = effective_seconds(seconds_left, rule)
    sd = vol_annual * math.sqrt(t / SECONDS_PER_YEAR)
    if sd <= 0.0:
        q = 1.0 if spot >= strike else 0.0
    else:
        z = math.log(spot / strike) / sd
        q = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    return min(max(q, Q_FLOOR), 1.0 - Q_FLOOR)
