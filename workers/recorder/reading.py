"""Reading a recording back: every entry of the chosen streams, merged in time order.

For replays and backtests. Within a stream the order is the stream's own; across streams entries
are merged by id (the Redis server's clock when each was written), ties by stream name: two
entries written in the same millisecond to two streams have no order but this one.
"""

from __future__ import annotations

import gzip
import heapq
from collections.abc import Callable, Iterator
from pathlib import Path

from workers.recorder.files import FILE_RE
from workers.recorder.records import Record, decode_line, parse_id


def stream_files(root: Path) -> dict[str, list[Path]]:
    """Every recorded stream's files, oldest first."""
    found: dict[str, list[tuple[str, str, int, Path]]] = {}
    for path in root.glob("*/*.jsonl.gz"):
        m = FILE_RE.match(path.name)
        if m:
            found.setdefault(m["stream"], []).append((path.parent.name, m["hour"], int(m["n"]), path))
    return {stream: [p for *_, p in sorted(files)] for stream, files in found.items()}


def _entries(paths: list[Path], from_ms: int, to_ms: int | None) -> Iterator[tuple[int, int, str, Record]]:
    for path in paths:
        with gzip.open(path) as lines:
            for line in lines:
                record = decode_line(line)
                ms, seq = parse_id(record.id)
                if ms < from_ms:
                    continue
                if to_ms is not None and ms >= to_ms:
                    return
                yield ms, seq, record.stream, record


def read_recording(
    root: Path, wanted: Callable[[str], bool] = lambda _: True, from_ms: int = 0, to_ms: int | None = None
) -> Iterator[Record]:
    """The entries of the streams ``wanted`` accepts with ``from_ms`` <= id time < ``to_ms``, in time order."""
    files = stream_files(root)
    merged = heapq.merge(
        *(_entries(paths, from_ms, to_ms) for stream, paths in sorted(files.items()) if wanted(stream))
    )
    for *_, record in merged:
        yield record
