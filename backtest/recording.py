"""A recording as the backtest reads it: the decoded entries of the streams it replays, in time order.

Each entry is timed by its stream id (the Redis server's clock when it was written: when the live
bot could first have read it), which is also the order ``read_recording`` merges the streams in.
Read once and kept in memory, so every strategy replays the very same sequence.

What is read: ``markets`` (windows, resolutions), ``book.*`` (books, prints), ``ref.*`` (reference
prices), ``rewards`` (the hints the live quoter followed), and our own live orders and fills
(``orders``, ``fills``, ``exec``): the first to take the recorded bot's orders out of the displayed
book, the others to compare the backtest's fills and latency with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from common.bus.codec import DecodeError, decode
from common.schemas.base import Message, load_all
from common.schemas.book import BookDelta, BookSnapshot, LastTrade, TickSizeChange
from common.schemas.exec import ExecReport
from common.schemas.market import MarketLifecycle, MarketRecord
from common.schemas.ref import RefTick
from common.schemas.rewards import RewardHintMessage
from common.schemas.user import Fill, OrderEvent
from workers.recorder.reading import read_recording

#: Stream-name prefixes the backtest reads.
STREAM_PREFIXES = ("markets", "book.", "ref.", "rewards", "orders", "fills", "exec")
MS_PER_DAY = 86_400_000
#: The message types it uses; any other entry of those streams is skipped.
USED = (MarketRecord, MarketLifecycle, BookSnapshot, BookDelta, LastTrade, TickSizeChange, RefTick,
        RewardHintMessage, OrderEvent, Fill, ExecReport)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entry:
    ms: int
    body: Message


@dataclass(slots=True)
class Recording:
    entries: list[Entry] = field(default_factory=list)
    #: Entries that did not decode (a newer schema, a torn line), by reason: counted, not fatal.
    undecodable: dict[str, int] = field(default_factory=dict)
    #: Whether any book shows more than its top level (full depth: queue position can be modelled).
    depth: bool = False

    @property
    def first_ms(self) -> int:
        return self.entries[0].ms if self.entries else 0

    @property
    def last_ms(self) -> int:
        return self.entries[-1].ms if self.entries else 0

    def of(self, kind: type[Message]) -> Iterable[Entry]:
        return (e for e in self.entries if isinstance(e.body, kind))


def wanted(stream: str) -> bool:
    return stream.startswith(STREAM_PREFIXES) and not stream.endswith(":dlq")


def load(root: Path, span_from_ms: int = 0, span_to_ms: int | None = None) -> Recording:
    """Every entry the backtest uses under ``root`` (a recorder's ``var/record`` or one of its days),
    within [``span_from_ms``, ``span_to_ms``) when given."""
    load_all()
    top, from_ms, to_ms = root, 0, None
    if not any(root.glob("*/*.jsonl.gz")) and any(root.glob("*.jsonl.gz")):
        # One day's folder (``var/record/2026-12-07``): its parent, limited to that UTC day.
        start = datetime.strptime(root.name, "%Y-%m-%d").replace(tzinfo=UTC)
        top, from_ms = root.parent, int(start.timestamp() * 1000)
        to_ms = from_ms + MS_PER_DAY
    from_ms = max(from_ms, span_from_ms)
    if span_to_ms is not None:
        to_ms = span_to_ms if to_ms is None else min(to_ms, span_to_ms)
    recording = Recording()
    for record in read_recording(top, wanted, from_ms, to_ms):
        try:
            env = decode(record.fields, record.id)
        except DecodeError as exc:
            reason = str(exc).split(":")[0]
            recording.undecodable[reason] = recording.undecodable.get(reason, 0) + 1
            continue
        if isinstance(env.body, USED):
            recording.entries.append(Entry(record.ms, env.body))
            if isinstance(env.body, BookSnapshot) and (len(env.body.bids) > 1 or len(env.body.asks) > 1):
                recording.depth = True
    return recording
