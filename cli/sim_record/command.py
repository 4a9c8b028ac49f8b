"""``updown sim record``: minutes of the calibrated emulator's market, recorded as the bot's feeds
would have recorded it, for ``updown backtest``.

    updown sim record [--minutes 60] [--seed 0] [--series btc-15m] [--price-file F] [--start T] [--out DIR]

The emulator world (its price path or a replayed Chainlink file, its calibrated background traders,
its matching engine) runs in process on its stepped clock with no bot attached; what feed-book,
feed-ref and discovery would have written goes into ``DIR`` in the recorder's format
(``cli.sim_record.run``). The same seed (and file, and start) gives the same files, byte for byte.
``--start`` moves the clock (by default 2026-09-21 13:33 UTC): runs of several seeds started on
different days can share one folder, a longer recording for a sweep.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from cli.record_import.write import OutputRefused, write_recording

#: Default emulator minutes: four 15-minute windows.
DEFAULT_MINUTES = 60.0
#: Where the recording goes when ``--out`` is not given.
DEFAULT_OUT = Path("var/sim-record")
#: A progress line on stderr at most this often (wall seconds).
PROGRESS_EVERY_S = 2.0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="updown sim record", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=DEFAULT_MINUTES, help="emulator minutes to record")
    p.add_argument("--seed", type=int, default=0, help="the world's seed")
    p.add_argument("--series", default="btc-15m", help="one <asset>-<length> series, e.g. btc-15m or btc-5m")
    p.add_argument("--price-file", type=Path, default=None,
                   help="replay a recorded Chainlink price file (../shared/data/chainlink/BTCUSD-prices-*.csv.gz)"
                   " as the world's BTC price instead of its own path")  # fmt: skip
    p.add_argument("--start", default=None, metavar="T",
                   help="start at the first window boundary after T (ISO UTC or unix s/ms; "
                   "default 2026-09-21T13:33)")  # fmt: skip
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"a new folder (default {DEFAULT_OUT})")
    return p


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def main(argv: list[str]) -> int:
    from cli.record_import.entry import parse_time
    from cli.sim_record.run import SimRecording
    from sim.cli import parse_series
    from sim.realism.run import BASE_START_S
    from sim.world.config import ResolutionRule

    args = build_parser().parse_args(argv)
    try:
        (series,) = parse_series(args.series, None, ResolutionRule.TWAP)[:1]
    except (argparse.ArgumentTypeError, ValueError) as exc:
        print(f"updown sim record: {exc}", file=sys.stderr)
        return 2
    if args.price_file is not None and not args.price_file.is_file():
        print(f"updown sim record: no price file at {args.price_file}", file=sys.stderr)
        return 2
    try:
        after_s = BASE_START_S if args.start is None else parse_time(args.start) // 1000
    except ValueError as exc:
        print(f"updown sim record: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    shown = [started]
    written = [0]

    def progress(now_ms: int, end_ms: int) -> None:
        if time.monotonic() - shown[0] >= PROGRESS_EVERY_S:
            shown[0] = time.monotonic()
            left_min = (end_ms - now_ms) / 60_000
            print(f"  {_utc(now_ms)} UTC, {left_min:.1f} emulator min to go, {written[0]} entries, "
                  f"{shown[0] - started:.0f} s", file=sys.stderr, flush=True)  # fmt: skip

    def count(n: int, _ms: int) -> None:
        written[0] = n

    entries = SimRecording(args.minutes, args.seed, series, args.price_file, after_s).entries(progress)
    try:
        counts: Counter[str] = write_recording(entries, args.out, count)
    except OutputRefused as exc:
        print(f"updown sim record: {exc}", file=sys.stderr)
        return 2
    took_s = time.monotonic() - started
    source = f"prices of {args.price_file.name}" if args.price_file else "its own price path"
    print(f"recorded {args.minutes:g} emulator minutes of {series.key} (seed {args.seed}, {source}) "
          f"in {took_s:.0f} s into {args.out}")  # fmt: skip
    for stream, n in sorted(counts.items()):
        print(f"  {stream:<24} {n:>9} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
