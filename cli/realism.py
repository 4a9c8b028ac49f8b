"""``updown sim realism``: the emulator's market beside the real one, statistic by statistic.

    updown sim realism [--minutes M] [--seed S] [--series btc-15m] [--data-dir DIR]

Runs the emulator in process on a stepped clock (much faster than the wall) with its background
traders, samples both tokens' ``/book`` once a second, and prints each statistic next to the real
data's (computed now from ``../shared/data``) with a pass or a fail. Exit 1 when one fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

#: Default emulator minutes: two 15-minute windows, so the end-of-window thinning is measured twice.
DEFAULT_MINUTES = 31.0


def build_parser() -> argparse.ArgumentParser:
    from sim.realism.real_data import DEFAULT_DATA_DIR

    p = argparse.ArgumentParser(prog="updown sim realism", description="The emulator's market against the real one.")
    p.add_argument("--minutes", type=float, default=DEFAULT_MINUTES, help="emulator minutes to run")
    p.add_argument("--seed", type=int, default=0, help="the world's seed")
    p.add_argument("--series", default="btc-15m", help="one <asset>-<length> series, e.g. btc-15m or btc-5m")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="the recorded data folder")
    return p


def main(argv: list[str]) -> int:
    from sim.cli import parse_series
    from sim.realism.report import compare, emulator_figures, real_figures, render
    from sim.realism.run import run_emulator
    from sim.world.config import ResolutionRule

    args = build_parser().parse_args(argv)
    (series,) = parse_series(args.series, None, ResolutionRule.TWAP)[:1]
    started = time.monotonic()
    run = run_emulator(args.minutes, args.seed, series)
    took_s = time.monotonic() - started
    print(f"emulator: {series.key}, seed {args.seed}, {args.minutes:g} min of its time in {took_s:.0f} s, "
          f"{len(run.books)} book samples, {run.trades} trades")  # fmt: skip
    real = None
    if args.data_dir.is_dir():
        real = real_figures(args.data_dir, series.window_s)
        print(f"real: computed now from {args.data_dir}")
    else:
        print(f"real: no recorded data at {args.data_dir}; the emulator's side only, against the stored targets "
              "(in parentheses)")  # fmt: skip
    rows = compare(emulator_figures(run), real, run)
    print(render(rows))
    failed = [r.label for r in rows if r.passed is False]
    print(f"{len(rows) - len(failed)} of {len(rows)} statistics pass or are not measured; "
          f"{len(failed)} fail" + (f": {', '.join(failed)}" if failed else ""))  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
