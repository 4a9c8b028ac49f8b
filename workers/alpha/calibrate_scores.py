"""Scores, reliability and the tails' calibration for the calibration reports."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from workers.alpha.core.types import Distribution

#: Probabilities are clipped to [ε, 1 − ε] for the log loss (the model clips the same way).
PROB_CLIP = 1e-4
#: Edges of the reliability table's buckets of quoted probability.
RELIABILITY_EDGES = (0.0, 0.02, 0.05, 0.10, 0.20, 0.35, 0.50, 0.65, 0.80, 0.90, 0.95, 0.98, 1.0)
#: The tails: quoted below this (or above 1 minus this).
TAIL_Q = 0.05


@dataclass
class HorizonScores:
    outcomes: list[int] = field(default_factory=list)
    model: list[float] = field(default_factory=list)
    naive: list[float] = field(default_factory=list)
    gbm: list[float] = field(default_factory=list)
    #: What the model's q_up was made from, to re-price it with other tail parameters (``--fit``).
    inputs: list[FairInputs] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FairInputs:
    dist: Distribution
    sigma: float
    future_s: int
    #: The fast volatility estimate over the slow one.
    fast_over_slow: float
    #: Independent returns behind ``sigma``.
    returns: float


def brier(probs: Sequence[float], outcomes: Sequence[int]) -> float:
    return sum((p - y) ** 2 for p, y in zip(probs, outcomes, strict=True)) / len(outcomes)


def log_loss(probs: Sequence[float], outcomes: Sequence[int]) -> float:
    total = 0.0
    for p, y in zip(probs, outcomes, strict=True):
        p = min(1 - PROB_CLIP, max(PROB_CLIP, p))
        total -= math.log(p) if y else math.log(1 - p)
    return total / len(outcomes)


def reliability(probs: Sequence[float], outcomes: Sequence[int]) -> list[tuple[float, float, int, float, float]]:
    """Per bucket of quoted probability: (low edge, high edge, n, mean quoted, share that came true)."""
    rows = []
    for lo, hi in itertools.pairwise(RELIABILITY_EDGES):
        inside = [(p, y) for p, y in zip(probs, outcomes, strict=True) if lo <= p < hi or (hi == 1.0 and p == 1.0)]
        if inside:
            n = len(inside)
            rows.append((lo, hi, n, sum(p for p, _ in inside) / n, sum(y for _, y in inside) / n))
    return rows


def reliability_lines(scores: Iterable[HorizonScores]) -> list[str]:
    """Does a quoted 3% come true 3% of the time? Every horizon pooled, q_up beside the gbm."""
    pooled: dict[str, tuple[list[float], list[int]]] = {"q_up": ([], []), "gbm": ([], [])}
    for s in scores:
        for name, probs in (("q_up", s.model), ("gbm", s.gbm)):
            pooled[name][0].extend(probs)
            pooled[name][1].extend(s.outcomes)
    lines = ["reliability, every horizon pooled: quoted probability -> share that came true (n)"]
    tables = {name: reliability(*pair) for name, pair in pooled.items()}
    lines.append(f"{'bucket':>13} | {'q_up quoted':>11} {'true':>6} {'n':>4} | {'gbm quoted':>10} {'true':>6} {'n':>4}")
    by_bucket = {name: {(lo, hi): row for lo, hi, *row in rows} for name, rows in tables.items()}
    for lo, hi in itertools.pairwise(RELIABILITY_EDGES):
        cells = []
        for name in ("q_up", "gbm"):
            row = by_bucket[name].get((lo, hi))
            cells.append(f"{row[1]:>11.3f} {row[2]:>6.3f} {row[0]:>4}" if row else f"{'':>11} {'':>6} {0:>4}")
        lines.append(f"[{lo:.2f}, {hi:.2f}) | " + " | ".join(cells))
    return lines


def tail_error(probs: Sequence[float], outcomes: Sequence[int]) -> tuple[int, float, float]:
    """The tails' calibration, both tails as one: every quote beyond ``TAIL_Q`` from certainty, as
    the unlikely side's probability (q below ``TAIL_Q``: Up; above ``1 − TAIL_Q``: Down).
    (n, mean quoted, share that came true); came true above quoted: the tails are too thin."""
    pairs = [(p, y) if p < TAIL_Q else (1.0 - p, 1 - y)
             for p, y in zip(probs, outcomes, strict=True) if p < TAIL_Q or p > 1.0 - TAIL_Q]  # fmt: skip
    n = len(pairs)
    return (n, sum(p for p, _ in pairs) / n, sum(y for _, y in pairs) / n) if n else (0, 0.0, 0.0)


def wilson_interval(share: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a share seen in ``n`` cases (independent cases assumed)."""
    if n == 0:
        return 0.0, 1.0
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def format_tails(name: str, probs: Sequence[float], outcomes: Sequence[int]) -> str:
    n, quoted, true = tail_error(probs, outcomes)
    lo, hi = wilson_interval(true, n)
    verdict = "too thin" if lo > quoted else "too fat" if hi < quoted else "inside"
    return (f"{name:>14}: quoted {quoted:.4f}, came true {true:.4f} [{lo:.4f}, {hi:.4f}] (n {n}), "
            f"error {true - quoted:+.4f} {verdict}")  # fmt: skip


def tail_lines(scores: Sequence[HorizonScores]) -> list[str]:
    """The reliability of the tails, every horizon pooled."""
    lines = [f"tails, every horizon pooled: the unlikely side of every quote below {TAIL_Q:.0%} or above "
             f"{1 - TAIL_Q:.0%}; came true with its 95% Wilson interval (cases of one market at several horizons "
             "are not independent: the interval is too narrow); error = came true minus quoted"]  # fmt: skip
    outcomes = [y for s in scores for y in s.outcomes]
    lines.append(format_tails("q_up", [p for s in scores for p in s.model], outcomes))
    lines.append(format_tails("gbm", [p for s in scores for p in s.gbm], outcomes))
    return lines
