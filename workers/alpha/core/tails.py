"""The tails of q_up: volatility uncertainty and jumps, as a scale mixture of normals.

``settlement_distribution`` gives the settlement minus the strike as a normal whose variance comes
from one volatility estimate ``σ̂``. Two things make the real tails differ from that normal:

* **the estimate is uncertain**: from ``n`` independent returns the sampling error of ``log σ̂`` is
  about ``1/√(2n)``, and volatility also moves over the horizon. ``log σ`` is drawn from a normal
  around ``log σ̂`` (5-point Gauss-Hermite) of standard deviation the root sum of squares of
  ``vol_uncertainty_ratio / √(2n)`` and ``vol_disagreement_ratio · |ln(fast σ̂ / slow σ̂)|``;
* **the oracle jumps**: a compound Poisson part of rate ``λ`` per second and jump size ``J`` (log),
  fitted to the one-second returns of a recorded day. It is a share ``φ = λJ²/σ̂²`` of the
  estimated variance (the estimate already contains the jumps), so the total variance is kept and
  only its shape changes: over a long horizon many jumps average out to a normal, over a few seconds
  a jump or none makes the tails fat.

Given ``m`` jumps in the ``τ`` seconds left and a volatility multiplier ``e^{s·x}``, the variance is
``(1 − φ)·sd²·e^{2s·x} + m·φ·sd²/(λτ)``; q_up is the mixture of the conditional probabilities.
"""

from __future__ import annotations

import math

from common.strategy.alpha import AlphaConfig
from workers.alpha.core.settlement import prob_up
from workers.alpha.core.types import Distribution

#: Probabilists' Gauss-Hermite nodes and weights (5 points): E[f(x)] for a standard normal x.
_GH_NODES = (-2.856970013872806, -1.355626179974266, 0.0, 1.355626179974266, 2.856970013872806)
_GH_WEIGHTS = (0.011257411327720691, 0.22207592200561266, 0.5333333333333333, 0.22207592200561266,
               0.011257411327720691)  # fmt: skip
#: Expected jumps over the horizon above which the jump part is a normal already (no mixture).
MANY_JUMPS = 20.0
#: The jump part is at most this share of the estimated variance (the rest is diffusion).
MAX_JUMP_SHARE = 0.8
#: Jump counts are summed until the Poisson weight left out is below this, or up to ``MAX_JUMP_TERMS``.
POISSON_TAIL = 1e-9
MAX_JUMP_TERMS = 200


def vol_log_sd(returns: float, ratio: float) -> float:
    """Standard deviation of ``log σ`` given ``returns`` independent returns behind the estimate."""
    if ratio <= 0.0:
        return 0.0
    return ratio / math.sqrt(2.0 * max(1.0, returns))


def _poisson(mean: float) -> list[float]:
    """Poisson weights for 0, 1, ... jumps, far enough out that the rest is negligible."""
    weights = [math.exp(-mean)]
    total, m = weights[0], 0
    while 1.0 - total > POISSON_TAIL and m < MAX_JUMP_TERMS:
        m += 1
        weights.append(weights[-1] * mean / m)
        total += weights[-1]
    return weights


def prob_up_tails(dist: Distribution, sigma: float, future_s: float, log_sd: float, jump_rate_per_s: float,
                  jump_log_sd: float, tail_dof: int = 0) -> float:  # fmt: skip
    """P(settlement ≥ strike) under the volatility-uncertainty and jump mixture.

    ``sigma``: the per-second volatility ``dist.sd`` was made with; ``future_s``: seconds left;
    ``log_sd``: the spread of ``log σ`` (``vol_log_sd``); a zero rate or size turns the jumps off.
    Each component is ``prob_up`` (a Student t when ``tail_dof`` > 2)."""
    if dist.sd <= 0.0:
        return prob_up(dist, tail_dof)
    sd2 = dist.sd * dist.sd
    share = 0.0
    jumps = [1.0]
    expected = jump_rate_per_s * future_s
    if jump_rate_per_s > 0.0 and jump_log_sd > 0.0 and sigma > 0.0 and 0.0 < expected <= MANY_JUMPS:
        share = min(MAX_JUMP_SHARE, jump_rate_per_s * jump_log_sd * jump_log_sd / (sigma * sigma))
        jumps = _poisson(expected)
    per_jump = share * sd2 / expected if share > 0.0 else 0.0
    nodes = _GH_NODES if log_sd > 0.0 else (0.0,)
    weights = _GH_WEIGHTS if log_sd > 0.0 else (1.0,)
    total = 0.0
    for x, w in zip(nodes, weights, strict=True):
        diffusion = (1.0 - share) * sd2 * math.exp(2.0 * log_sd * x)
        for m, p in enumerate(jumps):
            sd = math.sqrt(diffusion + m * per_jump)
            total += w * p * prob_up(Distribution(dist.mean, sd, dist.strike), tail_dof)
    return total


def q_up_with_tails(dist: Distribution, sigma: float, future_s: int, returns: float, fast_over_slow: float,
                    c: AlphaConfig) -> float:  # fmt: skip
    """q_up as the core quotes it: the mixture with ``c``'s tail parameters, clipped.

    ``returns``: the independent returns behind ``sigma`` (``EwmaVolatility.effective_returns``);
    ``fast_over_slow``: the fast volatility estimate over the slow one (apart: volatility is moving,
    and ``vol_disagreement_ratio`` times ``|ln|`` of it widens the spread of ``log σ``)."""
    sampling = vol_log_sd(returns, c.vol_uncertainty_ratio)
    moving = c.vol_disagreement_ratio * abs(math.log(fast_over_slow)) if fast_over_slow > 0.0 else 0.0
    log_sd = math.sqrt(sampling * sampling + moving * moving)
    q = prob_up_tails(dist, sigma, float(max(0, future_s)), log_sd, c.jump_rate_per_s, c.jump_log_sd, c.tail_dof)
    return min(1.0 - c.q_clip, max(c.q_clip, q))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def blend_book(fair: float, mid: float, weight: float, clip: float) -> float:
    """The fair value pulled toward the market's own mid in logit space:
    ``σ((1 − weight)·logit(fair) + weight·logit(mid))``, both kept inside ``[clip, 1 − clip]``."""
    if weight <= 0.0:
        return fair
    f = min(1.0 - clip, max(clip, fair))
    m = min(1.0 - clip, max(clip, mid))
    x = (1.0 - weight) * _logit(f) + weight * _logit(m)
    return 1.0 / (1.0 + math.exp(-x))
