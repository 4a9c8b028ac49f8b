"""The recording on disk: per stream, gzip files of JSON lines, rotated every UTC hour and past a size.

``<root>/<YYYY-MM-DD>/<stream>.<HH>.<NNN>.jsonl.gz`` (date and hour of the entries' ids, UTC).
Each flush appends one complete gzip member and fsyncs; ``zcat`` and Python's ``gzip`` read a file
of several members as one. A process killed in the middle of a flush leaves a torn last member:
:meth:`StreamFiles.recover` finds the end of the last whole member, cuts the rest off and returns
the last id written, against which redelivered entries are deduplicated.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from workers.recorder.records import NO_ID, EntryId, Record, encode_line, parse_id

#: ``<stream>.<HH>.<NNN>.jsonl.gz``: the stream name may itself hold dots.
FILE_RE = re.compile(r"^(?P<stream>.+)\.(?P<hour>\d{2})\.(?P<n>\d{3,})\.jsonl\.gz$")
#: Bytes fed to the decompressor at a time while looking for member boundaries.
SCAN_CHUNK_BYTES = 64 * 1024
#: The gzip level of each member: fast (a recorder must keep up), still ~5-10x on JSON.
GZIP_LEVEL = 6


class WriteFailed(OSError):
    """The disk refused a write (full, gone, read-only): the file may end in a torn member."""


def _hour_of(ms: int) -> tuple[str, str]:
    t = datetime.fromtimestamp(ms / 1000, UTC)
    return t.strftime("%Y-%m-%d"), t.strftime("%H")


def _file_name(stream: str, hour: str, n: int) -> str:
    return f"{stream.replace('/', '_')}.{hour}.{n:03d}.jsonl.gz"


def whole_members(path: Path) -> tuple[int, bytes]:
    """The length of the file's leading whole gzip members, and the last whole member's content."""
    data = memoryview(path.read_bytes())
    good, last = 0, b""
    while good < len(data):
        d = zlib.decompressobj(wbits=31)
        pos, out = good, []
        try:
            while not d.eof and pos < len(data):
                chunk = data[pos : pos + SCAN_CHUNK_BYTES]
                out.append(d.decompress(chunk))
                pos += len(chunk)
        except zlib.error:
            break  # a corrupt (torn) member
        if not d.eof:
            break  # a member cut short
        good = pos - len(d.unused_data)
        last = b"".join(out)
    return good, last


@dataclass
class StreamFile:
    """The file a stream is being written to."""

    path: Path
    day: str
    hour: str
    n: int
    size: int
    buffer: list[bytes] = field(default_factory=list)


class StreamFiles:
    """Every stream's current file: append lines, flush whole members, rotate, recover, retain."""

    def __init__(self, root: Path, rotate_bytes: int) -> None:
        self.root = root
        self._rotate_bytes = rotate_bytes
        self._open: dict[str, StreamFile] = {}
        #: The last id accepted per stream (written, or buffered to be written at the next flush).
        self.last_id: dict[str, EntryId] = {}
        self.bytes_written = 0

    def _files(self, stream: str) -> list[tuple[str, str, int, Path]]:
        """Every file of ``stream``, oldest first."""
        found = []
        if not self.root.is_dir():
            return []
        for day_dir in self.root.iterdir():
            if not day_dir.is_dir():
                continue
            for path in day_dir.iterdir():
                m = FILE_RE.match(path.name)
                if m and m["stream"] == stream.replace("/", "_"):
                    found.append((day_dir.name, m["hour"], int(m["n"]), path))
        return sorted(found)

    def recover(self, stream: str) -> EntryId:
        """Repair the stream's newest file (cut a torn tail off) and return the last id it holds."""
        for day, hour, n, path in reversed(self._files(stream)):
            good, last = whole_members(path)
            if good < path.stat().st_size:
                with path.open("r+b") as f:
                    f.truncate(good)
                    os.fsync(f.fileno())
            lines = last.splitlines()
            if not lines:
                path.unlink()  # nothing whole in it: the last id is in the file before
                continue
            self._open[stream] = StreamFile(path, day, hour, n, good)
            last_id = parse_id(_last_record_id(lines[-1]))
            self.last_id[stream] = last_id
            return last_id
        self.last_id[stream] = NO_ID
        return NO_ID

    def is_duplicate(self, record: Record) -> bool:
        return parse_id(record.id) <= self.last_id.get(record.stream, NO_ID)

    def append(self, record: Record) -> None:
        """Buffer a record (written at the next :meth:`flush`); the caller skips duplicates first."""
        day, hour = _hour_of(record.ms)
        cur = self._open.get(record.stream)
        if cur is None or (cur.day, cur.hour) != (day, hour) or cur.size >= self._rotate_bytes:
            if cur is not None:
                self._write(cur)
            n = cur.n + 1 if cur is not None and (cur.day, cur.hour) == (day, hour) else 0
            path = self.root / day / _file_name(record.stream, hour, n)
            cur = StreamFile(path, day, hour, n, path.stat().st_size if path.exists() else 0)
            self._open[record.stream] = cur
        cur.buffer.append(encode_line(record))
        self.last_id[record.stream] = parse_id(record.id)

    def buffered(self) -> int:
        return sum(len(f.buffer) for f in self._open.values())

    def flush(self) -> None:
        """Write every buffered line to disk (one gzip member per file) and fsync."""
        for cur in self._open.values():
            self._write(cur)

    def _write(self, cur: StreamFile) -> None:
        if not cur.buffer:
            return
        member = gzip.compress(b"".join(cur.buffer), compresslevel=GZIP_LEVEL, mtime=0)
        try:
            cur.path.parent.mkdir(parents=True, exist_ok=True)
            with cur.path.open("ab") as f:
                f.write(member)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise WriteFailed(exc.errno, f"cannot write {cur.path}: {exc.strerror or exc}") from exc
        cur.size += len(member)
        self.bytes_written += len(member)
        cur.buffer.clear()

    def forget(self, stream: str) -> None:
        """Drop a stream's state (its buffer must be flushed): it is recovered again from disk."""
        self._open.pop(stream, None)
        self.last_id.pop(stream, None)


def _last_record_id(line: bytes) -> str:
    return str(json.loads(line)["id"])


def delete_older_than(root: Path, days: int, today: date) -> list[str]:
    """Delete the ``<UTC date>`` folders more than ``days`` before ``today``; their names."""
    if days <= 0 or not root.is_dir():
        return []
    oldest = today - timedelta(days=days)
    gone = []
    for day_dir in sorted(root.iterdir()):
        try:
            day = date.fromisoformat(day_dir.name)
        except ValueError:
            continue
        if day_dir.is_dir() and day < oldest:
            shutil.rmtree(day_dir)
            gone.append(day_dir.name)
    return gone
