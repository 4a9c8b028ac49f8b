"""The target total: the most we pay for one Up plus one Down at the best level.

``1 − target`` is twice the half-spread. The half-spread covers a base edge, the fair value's move
over the time we need to pull a quote (a fast taker captures that move: it grows with volatility
and near the end, where q_up is steep), and the toxicity our markouts measure.
"""

from __future__ import annotations

import math

from common.strategy.alpha import AlphaConfig
from workers.alpha.core.types import Distribution


def fair_move_sd(dist: Distribution, spot: float, sigma: float, reaction_s: float) -> float:
    """Standard deviation of q_up's change over ``reaction_s`` seconds (probability units)."""
    if dist.sd <= 0.0:
        return 0.0
    z = dist.mean / dist.sd
    density = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return density * sigma * spot * math.sqrt(reaction_s) / dist.sd


def target_total_micro(move_sd: float, toxicity_micro: int, config: AlphaConfig) -> int:
    half = (
        config.base_half_spread_micro
        + config.vol_half_spread_per_sd * move_sd * 1_000_000
        + config.toxicity_half_spread_ratio * toxicity_micro
    )
    total = 1_000_000 - 2 * int(half)
    return max(config.min_target_total_micro, min(config.max_target_total_micro, total))
