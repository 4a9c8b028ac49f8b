"""``updown bench WHAT``: run a benchmark and print its figures."""

from __future__ import annotations

import importlib
import sys

BENCHES = {
    "bus": "bench.bus",
    "feed-book": "bench.feed_book",
    "quoter": "bench.quoter",
    "pipeline": "bench.pipeline",
    "cancel": "bench.cancel",
    "recorder": "bench.recorder",
    "series": "bench.series",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in BENCHES:
        print(f"usage: updown bench {{{','.join(BENCHES)}}} [ARGS]", file=sys.stderr)
        return 2
    run = importlib.import_module(BENCHES[argv[0]]).main
    code: int = run(argv[1:])
    return code
