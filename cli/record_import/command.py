"""``updown record import SRC... [--out DIR] [--from T] [--to T] [--series S]``."""

from __future__ import annotations

import argparse
import heapq
import sys
from datetime import UTC, datetime
from pathlib import Path

from cli.record_import.convert import Options, convert
from cli.record_import.entry import Span, parse_time
from cli.record_import.sources import Progress, SourceError, find_sources
from cli.record_import.write import OutputRefused, write_recording
from common.series import parse_series

#: Where an import goes when ``--out`` names no folder (beside a run's ``var/record``).
DEFAULT_OUT = Path("var/import")
#: The shared data's layout, ``shared/data/...`` (README: real data sits in ``../shared/data``).
SHARED_LAYOUT = ("data", "shared")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="updown record import", description=(
        "Convert real recordings (../shared/data: the Chainlink days, the one-second BBO files, the "
        "websocket captures, the RTDS sample) into a recording as the recorder writes it."))  # fmt: skip
    p.add_argument("sources", nargs="+", type=Path, metavar="SRC", help="files or folders (walked)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"a new folder (default {DEFAULT_OUT})")
    p.add_argument("--from", dest="from_", type=parse_time, metavar="T", help="keep entries from T (ISO UTC, unix s)")
    p.add_argument("--to", type=parse_time, metavar="T", help="...and before T")
    p.add_argument("--series", help="keep one series (btc-5m or btc-updown-5m); names the captures' series")
    return p


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def guarded_folders(source: Path) -> list[Path]:
    """Where an import never writes: the source's folder and, for data laid out as the project's
    (``../shared/data``), the whole ``shared`` folder."""
    folder = source.resolve() if source.is_dir() else source.resolve().parent
    shared = [a.parent for a in (folder, *folder.parents) if (a.name, a.parent.name) == SHARED_LAYOUT]
    return [folder, *shared]


def check_out(out: Path, sources: list[Path]) -> None:
    target = out.resolve()
    for source in sources:
        for guarded in guarded_folders(source):
            if target == guarded or guarded in target.parents:
                raise OutputRefused(f"--out {out} is inside {guarded}, where the sources are: write elsewhere")


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        series = parse_series(args.series).key if args.series else None
    except ValueError as exc:
        _say(f"updown record import: --series: {exc}")
        return 2
    options = Options(Span(args.from_, args.to), series)
    try:
        sources, skipped = find_sources(args.sources)
        check_out(args.out, args.sources)
        progress = Progress(_say)
        converted = convert(sources, options, progress)
        merged = heapq.merge(*converted.streams(options), key=lambda e: e.ms)
        counts = write_recording(merged, args.out, lambda n, ms: progress.due() and progress.say(
            f"import: written {n:,} entries, up to {_utc(ms)} UTC"))  # fmt: skip
    except (SourceError, OutputRefused) as exc:
        _say(f"updown record import: {exc}")
        return 2
    except OSError as exc:
        _say(f"updown record import: cannot write {args.out}: {exc}")
        return 2
    for part in converted.parts:
        print(f"  {part}")
    for reason in skipped:
        print(f"  skipped {reason}")
    for stream, n in sorted(counts.items()):
        print(f"  {stream}: {n:,} entries")
    if not counts:
        _say("updown record import: nothing to write (no entry of the sources in the span and series asked for)")
        return 1
    print(f"record import: {sum(counts.values()):,} entries in {len(counts)} streams -> {args.out}")
    return 0
