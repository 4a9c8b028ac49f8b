"""``updown bench WHAT``: run a benchmark and print its figures."""

from __future__ import annotations

import importlib
import sys

BENCHES = {
    "bus": "common.bench.bus",
    "feed-book": "common.bench.feed_book",
    "quoter": "workers.quoter.bench",
    "pipeline": "workers.executor.bench_pipeline",
    "recorder": "workers.recorder.bench",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in BENCHES:
        print(f"usage: updown bench {{{','.join(BENCHES)}}} [ARGS]", file=sys.stderr)
        return 2
    run = importlib.import_module(BENCHES[argv[0]]).main
    code: int = run(argv[1:])
    return code
