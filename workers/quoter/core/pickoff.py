"""The pick-off half-spread: how far the fair value moves while a quote cannot yet be pulled.

A taker who sees a spot move before we can cancel takes our bid at the old fair value. Over a
horizon ``h``, q_up moves by about ``φ(z)·σ·S·√h / sd`` (its sensitivity to spot, ``φ(z)/sd`` with
``z = Φ⁻¹(q_up)`` and ``sd`` the settlement's standard deviation, times spot's move ``σ·S·√h``): one
standard deviation of it is the least half-spread that is not given away to such takers on average.
It grows as the window ends (``sd`` shrinks with the time left) and near even odds (``φ(z)`` is
largest there). The alpha's target total carries the same term, but the total is floored
(``min_target_total_micro``: a half-spread of at most 0.05), so in the last minutes at even odds
the quoter would otherwise bid tighter than the fair value's own move says is safe.
``pickoff_horizon_ms`` (0: off) lets the quoter's half-spread exceed the floor by this term.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from common.money import MICRO_PER_UNIT
from common.schemas.signal import Signal

#: The pick-off half-spread never exceeds this (micro-pUSD): half of the dollar a share pays.
MAX_PICKOFF_HALF_SPREAD_MICRO = 500_000
#: q_up is kept this far (ppm) from 0 and 1 before ``Φ⁻¹`` (which is infinite there).
Q_EDGE_PPM = 1
_NORMAL = NormalDist()


def pickoff_half_spread_micro(signal: Signal, horizon_ms: int) -> int:
    """One standard deviation of q_up's move over ``horizon_ms`` (micro-pUSD, rounded up); 0 when the
    horizon is 0 or the signal carries no oracle price or settlement spread."""
    oracle, sd = signal.oracle_price_micro, signal.settlement_sd_micro
    if horizon_ms <= 0 or not oracle or sd <= 0:
        return 0
    q = min(MICRO_PER_UNIT - Q_EDGE_PPM, max(Q_EDGE_PPM, signal.q_up_ppm)) / MICRO_PER_UNIT
    density = math.exp(-0.5 * _NORMAL.inv_cdf(q) ** 2) / math.sqrt(2.0 * math.pi)
    sigma = max(signal.vol_ppb, signal.vol_fast_ppb) / 1e9  # per √s: the faster of the two
    move = density * sigma * oracle * math.sqrt(horizon_ms / 1000) / sd
    return min(MAX_PICKOFF_HALF_SPREAD_MICRO, math.ceil(move * MICRO_PER_UNIT))
