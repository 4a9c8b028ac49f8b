"""Parameter sweeps and walk-forward: a grid of ``--set`` values run in parallel processes, ranked.

``--sweep quoter.levels=3,5 --sweep alpha.reaction_s=1,2,4`` runs every combination (each in a
worker process that loads the recording once), ranks them by the settled windows' PnL (ties by the
settings' text, so the ranking is deterministic), and with ``--test DIR2`` reports the best one and
the defaults on another recording: chosen on one, judged on the other.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from backtest.engine import Params, replay
from backtest.recording import Recording, load
from backtest.report import table, usd
from backtest.scorecard import Score, scorecard

#: Worker processes of a sweep (the machine is shared: more would only queue).
SWEEP_PROCESSES = 2

#: A span of a recording: [from ms, to ms), None for its end.
Span = tuple[int, int | None]
_loaded: dict[tuple[Path, Span], Recording] = {}


@dataclass(frozen=True, slots=True)
class Point:
    """One combination's result."""

    sets: tuple[tuple[str, str], ...]
    total: Score

    @property
    def label(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.sets) or "(defaults)"


def grid(sweeps: list[str]) -> list[dict[str, str]]:
    """Every combination of ``key=a,b,c`` values, in the order given."""
    axes = []
    for item in sweeps:
        key, sep, values = item.partition("=")
        if not sep or not values:
            raise ValueError(f"--sweep {item}: expected key=a,b,c")
        axes.append([(key.strip(), v.strip()) for v in values.split(",") if v.strip()])
    return [dict(combo) for combo in itertools.product(*axes)]


def run_point(root: Path, strategy: str, params: Params, span: Span = (0, None)) -> Score:
    recording = _loaded.get((root, span))
    if recording is None:
        recording = _loaded[(root, span)] = load(root, *span)
    return scorecard(replay(recording, strategy, params)).total


def _job(job: tuple[Path, Span, str, Params, tuple[tuple[str, str], ...]]) -> Point:
    root, span, strategy, params, sets = job
    return Point(sets, run_point(root, strategy, params, span))


def sweep(
    root: Path, strategy: str, points: list[tuple[dict[str, str], Params]], span: Span = (0, None)
) -> list[Point]:
    """Every point's total on ``root`` (within ``span``), best PnL first."""
    jobs = [(root, span, strategy, params, tuple(sorted(sets.items()))) for sets, params in points]
    with ProcessPoolExecutor(max_workers=min(SWEEP_PROCESSES, len(jobs))) as pool:
        results = list(pool.map(_job, jobs))
    return sorted(results, key=lambda p: (-p.total.pnl_micro, p.label))


def ranking(points: list[Point]) -> list[str]:
    rows = [[str(i + 1), p.label, usd(p.total.pnl_micro), str(p.total.fills), usd(p.total.spread_micro),
             usd(p.total.markout_micro(1)), usd(p.total.settle_markout_micro), usd(p.total.fees_micro),
             usd(p.total.rebate_micro), usd(p.total.largest_unpaired_micro)]
            for i, p in enumerate(points)]  # fmt: skip
    return table(["rank", "settings", "PnL", "fills", "spread", "mk5s", "to_settle", "fees", "rebate", "max_unp"], rows)
