"""q_up = P(window settles Up) under the window's own settlement rule.

The settlement value and the strike are both averages of per-second oracle samples: the spot rule
is an average of one sample (at the end; the strike at the start), the TWAP rule of ``n`` samples
ending at the end (and at the start). Each average is split into its realised part (samples at or
before the latest oracle second, read from the history) and its future part. With the oracle a
driftless random walk of per-second standard deviation ``σ·S``, the increment from second ``k−1``
to ``k`` moves ``settlement − strike`` by ``c_k`` times itself, where ``c_k`` is the weight of the
settlement's samples at or after ``k`` minus that of the strike's; so the variance is
``σ²S² Σ c_k²`` over future increments. The sums have closed forms (no per-second loop). Ties go to
Up: ``P(D ≥ 0)``.
"""

from __future__ import annotations

import math

from workers.alpha.core.history import PriceHistory
from workers.alpha.core.types import Distribution, SettlementRule, WindowSpec

_SQRT2 = math.sqrt(2.0)


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / _SQRT2))


def _sum_m(a: int, b: int) -> int:
    """Σ m for m in [a, b]."""
    return 0 if b < a else (a + b) * (b - a + 1) // 2


def _sum_m2(a: int, b: int) -> int:
    """Σ m² for m in [a, b]."""
    if b < a:
        return 0

    def s(n: int) -> int:
        return n * (n + 1) * (2 * n + 1) // 6

    return s(b) - s(a - 1)


def _ramp_sq(k0: int, lo: int, hi: int, weight: float, complement: bool) -> float:
    """Σ c_k² over k in [max(k0, lo+1), hi] with c_k = w·m (or 1 − w·m), m = hi − k + 1."""
    first = max(k0, lo + 1)
    if first > hi:
        return 0.0
    m_lo, m_hi = 1, hi - first + 1
    s1, s2 = _sum_m(m_lo, m_hi), _sum_m2(m_lo, m_hi)
    if complement:
        return (m_hi - m_lo + 1) - 2.0 * weight * s1 + weight * weight * s2
    return weight * weight * s2


def _average_mean(history: PriceHistory, now_s: int, spot: float, lo: int, hi: int, drift: float) -> float | None:
    """Expected average of the samples at seconds ``[lo, hi]`` given the history up to ``now_s``."""
    n = hi - lo + 1
    known_hi = min(hi, now_s)
    known = 0.0
    if known_hi >= lo:
        total = history.sum_between(lo, known_hi)
        if total is None:
            return None
        known = total
    first_future = max(lo, now_s + 1)
    future_count = hi - first_future + 1 if hi >= first_future else 0
    future = spot * future_count
    if drift and future_count:
        future += spot * drift * _sum_m(first_future - now_s, hi - now_s)
    return (known + future) / n


def published_mean_end(window: WindowSpec, history: PriceHistory, published: PriceHistory, now_s: int,
                       spot: float, stale_s: int) -> float | None:  # fmt: skip
    """The expected settlement under the TWAP rule from the venue's own published TWAP.

    ``published`` holds the TWAP the venue printed each second (the average of the oracle's samples
    over the ``n`` seconds up to it). Our spot history may come from another source than the oracle
    (Pyth on PolyBolt) and sit a basis away from it; every term below is the published value or a
    difference of our own prices, so that basis cancels:

    * in the last ``n`` seconds, the settlement average is the published one now, plus the samples
      still to come (expected at the spot), minus the old samples they push out (read from our own
      history): ``P(now) + ((end − now)·spot − Σ hist[now−n+1 .. end−n]) / n``;
    * earlier, every sample is still to come: ``spot − basis``, the basis being our history's mean
      over the last ``n`` seconds minus ``P(now)``.

    None (reconstruct from our own history instead) when the published TWAP is older than
    ``stale_s`` or our history does not cover the seconds needed."""
    n = window.samples
    if published.last_s is None:
        return None
    last = min(now_s, published.last_s)
    value = published.at(last)
    if value is None or now_s - last > stale_s:
        return None
    if window.end_s - last >= n:
        ours = history.sum_between(last - n + 1, last)
        return None if ours is None else spot - (ours / n - value)
    pushed_out = history.sum_between(last - n + 1, window.end_s - n) if window.end_s - n >= last - n + 1 else 0.0
    if pushed_out is None:
        return None
    return value + ((window.end_s - last) * spot - pushed_out) / n


def settlement_distribution(
    window: WindowSpec, history: PriceHistory, now_s: int, spot: float, sigma: float, drift: float = 0.0,
    published: PriceHistory | None = None, published_stale_s: int = 5,
) -> Distribution | None:
    """Settlement minus strike as a normal, or None when the strike cannot be known.

    ``published``: the venue's TWAP prints, used under the TWAP rule for the settlement's expected
    value (``published_mean_end``) and for the strike when the market record has none."""
    n = window.samples
    w = 1.0 / n
    end_lo, end_hi = window.end_s - n + 1, window.end_s
    start_lo, start_hi = window.start_s - n + 1, window.start_s
    strike = window.strike
    twap = published if window.rule is SettlementRule.TWAP else None
    if strike is None and twap is not None and twap.first_s is not None \
            and twap.first_s <= start_hi <= (twap.last_s or start_hi - 1):  # fmt: skip
        strike = twap.at(start_hi)  # the venue's own print at the start
    mean_end = None
    if twap is not None and strike is not None:  # (a strike from our own history would carry the basis)
        mean_end = published_mean_end(window, history, twap, now_s, spot, published_stale_s)
    if mean_end is None:
        mean_end = _average_mean(history, now_s, spot, end_lo, end_hi, drift)
    if mean_end is None:
        return None
    k0 = now_s + 1
    # Increments after the strike's samples and before the settlement's: full weight 1.
    flat_sq = 0.0
    if strike is not None or now_s >= start_hi:
        if strike is None:
            strike = _average_mean(history, now_s, spot, start_lo, start_hi, 0.0)
            if strike is None:
                return None
        flat_sq = float(max(0, end_lo - k0 + 1))
        mean = mean_end - strike
    else:
        mean_start = _average_mean(history, now_s, spot, start_lo, start_hi, drift)
        if mean_start is None:
            return None
        strike = None
        mean = mean_end - mean_start
        flat_sq = float(max(0, end_lo - max(k0, start_hi + 1) + 1))
        flat_sq += _ramp_sq(k0, start_lo, start_hi, w, complement=True)
    sum_sq = flat_sq + _ramp_sq(k0, end_lo, end_hi, w, complement=False)
    sd = sigma * spot * math.sqrt(sum_sq)
    return Distribution(mean=mean, sd=sd, strike=strike)


def student_t_cdf(t: float, dof: int) -> float:
    """CDF of Student's t with an integer number of degrees of freedom (closed-form series)."""
    theta = math.atan(t / math.sqrt(dof))
    s, c = math.sin(theta), math.cos(theta)
    if dof % 2:
        term, total = c, c if dof > 1 else 0.0
        for k in range(3, dof - 1, 2):
            term *= c * c * (k - 1) / k
            total += term
        a = 2.0 / math.pi * (theta + s * total)
    else:
        term = total = 1.0
        for k in range(2, dof - 1, 2):
            term *= c * c * (k - 1) / k
            total += term
        a = s * total
    return 0.5 * (1.0 + a)


def prob_up(dist: Distribution, tail_dof: int = 0) -> float:
    """P(settlement ≥ strike); a certain tie goes to Up.

    ``tail_dof`` > 2 uses a Student t of that many degrees of freedom with the same variance
    instead of the normal: the oracle jumps (flat for seconds, then a catch-up print), and a normal
    is far too sure a few seconds before the end.
    """
    if dist.sd <= 0.0:
        return 1.0 if dist.mean >= 0.0 else 0.0
    z = dist.mean / dist.sd
    if tail_dof > 2:
        return student_t_cdf(z * math.sqrt(tail_dof / (tail_dof - 2)), tail_dof)
    return normal_cdf(z)
