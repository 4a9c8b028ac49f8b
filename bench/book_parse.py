"""Frames per second of the market-websocket parser plus the book update, on real captured frames.

``python -m bench.book_parse [--frames N] [--data DIR]`` replays ``book.json`` (162
levels) and ``price_change_v2.json`` (3 level changes) from the shared captures through one
``BookKeeper`` and prints frames per CPU-second for each, for a 1:10 mix, and for ``json.loads`` alone
(to show whether the stdlib decoder is the bottleneck). One process, one core, no I/O.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from common.venue.convert import loads
from workers.feed_book.core import BookKeeper

#: Frames per measurement by default (a few seconds on a small VM core).
DEFAULT_FRAMES = 20_000
#: Repetitions of each measurement; the fastest counts.
ROUNDS = 3
#: Price-change frames per book frame in the mixed run (deltas dominate a live feed).
MIX_DELTAS_PER_BOOK = 10


def _default_data() -> Path:
    from tests.shared_data import SHARED_DATA

    return SHARED_DATA / "polymarket-ws" / "captures" / "ws"


def _rate(frames: list[str], run: Callable[[str], object]) -> float:
    """Frames per second of CPU time (best of ``ROUNDS``: the machine is shared, CPU time is steadier)."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.process_time()
        for frame in frames:
            run(frame)
        best = min(best, time.process_time() - start)
    return len(frames) / max(best, 1e-9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=DEFAULT_FRAMES, help="frames per measurement")
    parser.add_argument("--data", type=Path, default=None, help="folder holding the ws captures")
    args = parser.parse_args(argv)
    folder = args.data or _default_data()
    delta = (folder / "price_change_v2.json").read_text()
    asset = json.loads(delta)["price_changes"][0]["asset_id"]
    # The book capture re-addressed to the delta's token, so that the deltas apply to a synced book.
    book_obj = json.loads((folder / "book.json").read_text())
    book_obj["asset_id"] = asset
    book = json.dumps(book_obj)

    keeper = BookKeeper()
    recv_ms = 1_800_000_000_000

    def apply(frame: str) -> object:
        return keeper.on_frame(frame, recv_ms)

    n = args.frames
    results = {
        "json.loads book": _rate([book] * max(n // 10, 1), loads),
        "json.loads price_change": _rate([delta] * n, loads),
        "book (162 levels)": _rate([book] * max(n // 10, 1), apply),
        "price_change (3 levels)": _rate([delta] * n, apply),
        f"mix 1 book : {MIX_DELTAS_PER_BOOK} price_change": _rate(
            ([book] + [delta] * MIX_DELTAS_PER_BOOK) * max(n // (MIX_DELTAS_PER_BOOK + 1), 1), apply
        ),
    }
    for name, rate in results.items():
        print(f"{name:<32} {rate:>12,.0f} frames/s")
    print(f"book events: {dict(keeper.counts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
