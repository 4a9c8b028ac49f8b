"""Entries in time order -> the recorder's files (``workers.recorder.files``: the same format, so
``read_recording`` and ``updown replay`` read an import as they read a run's recording).

Stream ids are made as Redis would have made them: the entry's time in ms and a sequence number
within the ms, growing within each stream (an entry earlier than its stream's last takes the last
one's ms). The envelope's ``emit_ms`` is the entry's time: the feeds write at once what they receive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from cli.record_import.entry import Entry
from common.bus.codec import encode
from workers.recorder.files import StreamFiles
from workers.recorder.reading import stream_files
from workers.recorder.records import Record

#: Written to disk (one gzip member per open file) every this many entries: bounds the memory.
FLUSH_ENTRIES = 50_000
#: Rotation size of a file, as the recorder's default (``recorder.rotate_bytes``).
ROTATE_BYTES = 64 * 1024 * 1024


class OutputRefused(ValueError):
    """The output folder cannot be written: it holds a recording (an import never appends to one),
    or it lies where the sources are."""


class IdMaker:
    """Stream ids that grow within each stream, as Redis gives them."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[int, int]] = {}

    def next(self, stream: str, ms: int) -> str:
        last_ms, last_seq = self._last.get(stream, (-1, -1))
        seq = last_seq + 1 if ms <= last_ms else 0
        ms = max(ms, last_ms)
        self._last[stream] = (ms, seq)
        return f"{ms}-{seq}"


def check_empty(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputRefused(f"{out} is a file, not a folder")
    if out.is_dir() and stream_files(out):
        raise OutputRefused(f"{out} already holds a recording: import into a new folder (all sources in one command)")


def write_recording(
    entries: Iterable[Entry], out: Path, on_entry: Callable[[int, int], object] = lambda n, ms: None
) -> Counter[str]:
    """Write the entries (in time order) under ``out``; entries per stream. ``on_entry(n, ms)``
    after each (progress)."""
    check_empty(out)
    files = StreamFiles(out, ROTATE_BYTES)
    ids = IdMaker()
    counts: Counter[str] = Counter()
    for n, entry in enumerate(entries, 1):
        fields = encode(entry.body, src=entry.src, key=entry.key, event_ms=entry.event_ms,
                        ingest_ms=float(entry.ingest_ms), emit_ms=float(entry.ms))  # fmt: skip
        files.append(Record(entry.stream, ids.next(entry.stream, entry.ms), fields))
        counts[entry.stream] += 1
        if n % FLUSH_ENTRIES == 0:
            files.flush()
        on_entry(n, entry.ms)
    files.flush()
    return counts
