"""What a source file is (by its content, not its name) and reading it, with progress.

A folder is walked (sorted): files of a known kind are imported, the others listed as skipped with
the reason. A file given by name must be of a known kind.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from cli.record_import.ws_capture import MARKET_EVENTS, USER_EVENTS, event_types

#: A progress line at most this often while a big file is read or the recording written.
PROGRESS_INTERVAL_S = 2.0
#: Bytes of a file read to tell its kind.
SNIFF_BYTES = 64 * 1024


class Kind(StrEnum):
    CHAINLINK_PRICES = "chainlink prices"
    CHAINLINK_MARKETS = "chainlink markets"
    BBO_MARKET_DATA = "bbo market_data"
    BBO_ORDERBOOK = "bbo orderbook"
    RTDS = "rtds messages"
    WS_MARKET = "market websocket capture"
    #: Known, and not imported (another account's orders and trades: see ``ws_capture``).
    WS_USER = "user websocket capture"


class SourceError(ValueError):
    """A source that cannot be imported: missing, unreadable, or of no known kind."""


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    kind: Kind


_CSV_HEADERS = {
    "feed_ts_ms,value,full_accuracy_value": Kind.CHAINLINK_PRICES,
    "Timestamp,TargetTime,Expiration": Kind.BBO_MARKET_DATA,
    "ts_ms,timestamp,window_slug": Kind.BBO_ORDERBOOK,
}


def open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def kind_of(path: Path) -> Kind:
    """The kind of one file; ``SourceError`` saying what it looked like when none."""
    try:
        with open_text(path) as f:
            head = f.read(SNIFF_BYTES)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise SourceError(f"{path}: cannot read it as text or gzip'd text: {exc}") from None
    first = head.split("\n", 1)[0].strip()
    for header, kind in _CSV_HEADERS.items():
        if first.startswith(header):
            return kind
    if first.startswith("{") and first.endswith("}"):
        obj = _json(first)
        if isinstance(obj, dict) and {"slug", "token_ids", "raw"} <= obj.keys():
            return Kind.CHAINLINK_MARKETS
        if isinstance(obj, dict) and {"topic", "payload"} <= obj.keys():
            return Kind.RTDS
    if head.lstrip().startswith(("{", "[")) and path.suffix == ".json":
        return _capture_kind(path)
    raise SourceError(f"{path}: unknown kind of file (first line {first[:80]!r})")


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _capture_kind(path: Path) -> Kind:
    try:
        kinds = event_types(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SourceError(f"{path}: not a JSON message: {exc}") from None
    if kinds and kinds <= MARKET_EVENTS:
        return Kind.WS_MARKET
    if kinds and kinds <= USER_EVENTS:
        return Kind.WS_USER
    raise SourceError(f"{path}: a JSON file but not a websocket message (event_type {sorted(kinds) or 'none'})")


def find_sources(paths: list[Path]) -> tuple[list[Source], list[str]]:
    """The sources under the paths, and the files of a folder skipped (each with why)."""
    found, skipped = [], []
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder")
        if path.is_file():
            try:
                found.append(Source(path, kind_of(path)))
            except SourceError as exc:
                raise SourceError(f"{exc}; known kinds: {', '.join(k.value for k in Kind)}") from None
            continue
        inside = []
        for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
            try:
                inside.append(Source(file, kind_of(file)))
            except SourceError as exc:
                skipped.append(str(exc))
        if not inside:
            raise SourceError(f"{path}: no file of a known kind in it")
        found += inside
    return found, skipped


class Progress:
    """A line on stderr at most every ``PROGRESS_INTERVAL_S``: big files take a while."""

    def __init__(self, say: Callable[[str], None], clock: Callable[[], float] = time.monotonic) -> None:
        self.say, self._clock = say, clock
        self._next = clock() + PROGRESS_INTERVAL_S

    def due(self) -> bool:
        """Whether to say how far it is now (asked per row: the line is made only when due)."""
        now = self._clock()
        if now < self._next:
            return False
        self._next = now + PROGRESS_INTERVAL_S
        return True


def csv_rows(path: Path, progress: Progress) -> Iterator[dict[str, str]]:
    with open_text(path) as f:
        for n, row in enumerate(csv.DictReader(f), 1):
            if progress.due():
                progress.say(f"import: reading {path.name}: {n:,} rows")
            yield row


def lines(path: Path, progress: Progress) -> Iterator[str]:
    with open_text(path) as f:
        for n, line in enumerate(f, 1):
            if progress.due():
                progress.say(f"import: reading {path.name}: {n:,} lines")
            if line.strip():
                yield line
