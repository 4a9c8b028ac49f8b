"""A recording as the stress run plays it: one time-ordered list of what the venue sends and what
the rest of the bot writes, and when each is due at N times the recorded pace. Pure, no I/O.

- Raw venue frames (``raw.book``, ``raw.ref``) become frames the local venue sends on the market
  socket and on the reference-price socket: the feeds themselves run on them.
- Entries of the streams the stages read but do not write (market records, our fills, positions,
  reward hints, the user feed's status, control commands) are written back to their streams, as
  their own writers (discovery, feed-user, the ledger, rewards, control) wrote them.
- What the stages under test write (books, ticks, signals, intents, their feed statuses) is not
  played: it is what the run produces, and the recorded intents are what it is compared with.
  Following the recorded order (``bench.stress.schedule``), the feeds' recorded statuses are played
  too, marked: the traced stages count those in their schedule, not the run's own (each feed stamps
  its statuses with its wall clock, so they come at another point at another pace).

Every item is due at ``(recorded_ms - first_ms) / speed`` seconds after the start, ``first_ms``
the first frame's (what was written before it is played at once); the recorded time is the entry
id's (when Redis took it: for a raw frame, within a millisecond of its arrival).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from common.bus import streams
from common.runner.follow import PLAYED_FIELD
from workers.recorder.records import Record

#: The stages a stress run starts as processes of their own: the feeds, alpha and the quoter.
STAGES = ("feed-book", "feed-ref", "alpha", "quoter")
#: Streams the stages read that someone else writes: played back from the recording. ``feeds``
#: carries the user feed's status (feed-user) beside the feeds' own (theirs are not played).
PLAYED_STREAMS = (streams.MARKETS, streams.FILLS, streams.POSITIONS, streams.REWARDS, streams.FEEDS, streams.CTL)
#: The raw-frame streams and the socket each one's frames go out on.
RAW_FEEDS = {streams.raw("book"): "book", streams.raw("ref"): "ref"}


@dataclass(frozen=True, slots=True)
class Frame:
    """A frame the local venue sends on the ``feed`` socket (``book`` or ``ref``)."""

    feed: str
    text: str
    #: The market-socket tokens it is about (sent only once the feed subscribed them); () for others.
    tokens: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """A stream entry written back as recorded (its fields byte for byte, a new id)."""

    stream: str
    fields: dict[bytes, bytes]


@dataclass(frozen=True, slots=True)
class Item:
    recorded_ms: int
    what: Frame | Entry


def played(record: Record, stages: tuple[str, ...] = STAGES, follow: bool = False) -> Entry | None:
    """The entry to write back, or None when a stage under test writes it (or no stage reads it);
    ``follow``: every recorded feed status, marked as the recording's."""
    if record.stream not in PLAYED_STREAMS:
        return None
    if follow and record.stream == streams.FEEDS:
        return Entry(record.stream, {**record.fields, PLAYED_FIELD: b"1"})
    src = record.fields.get(b"src", b"").decode(errors="replace")
    return None if src in stages else Entry(record.stream, record.fields)


def book_tokens(text: str) -> tuple[str, ...]:
    """The asset ids a market-socket frame is about (a list of events or one event; ``price_change``
    names them per change). Not JSON (``NO NEW ASSETS``, ``PONG``): none."""
    try:
        data = json.loads(text)
    except ValueError:
        return ()
    events = data if isinstance(data, list) else [data]
    found: dict[str, None] = {}
    for event in events:
        if not isinstance(event, dict):
            continue
        if isinstance(event.get("asset_id"), str):
            found[event["asset_id"]] = None
        for change in event.get("price_changes") or ():
            if isinstance(change, dict) and isinstance(change.get("asset_id"), str):
                found[change["asset_id"]] = None
    return tuple(found)


def frame_of(record: Record, text: str) -> Frame:
    feed = RAW_FEEDS[record.stream]
    return Frame(feed, text, book_tokens(text) if feed == "book" else ())


def items(records: Iterable[tuple[Record, str | None]], stages: tuple[str, ...] = STAGES,
          follow: bool = False) -> Iterator[Item]:  # fmt: skip
    """What to play, in recorded order: each record with its raw frame's text (None for other streams)."""
    for record, text in records:
        if record.stream in RAW_FEEDS:
            if text is not None:
                yield Item(record.ms, frame_of(record, text))
            continue
        entry = played(record, stages, follow)
        if entry is not None:
            yield Item(record.ms, entry)


def first_frame_ms(timeline: list[Item]) -> int:
    """When the played part starts: its first venue frame (what was written before it is played at
    once, not while the feeds, connected, wait for data they would give up on)."""
    return next((i.recorded_ms for i in timeline if isinstance(i.what, Frame)), timeline[0].recorded_ms)


def due_s(recorded_ms: int, first_ms: int, speed: float) -> float:
    """Seconds after the start an item recorded at ``recorded_ms`` is due at ``speed`` times the pace."""
    if speed <= 0:
        raise ValueError("speed must be positive")
    return max(0, recorded_ms - first_ms) / 1000 / speed


@dataclass(frozen=True, slots=True)
class Counts:
    frames: dict[str, int]
    entries: dict[str, int]
    span_ms: int

    @property
    def total(self) -> int:
        return sum(self.frames.values()) + sum(self.entries.values())


def counts(timeline: list[Item]) -> Counts:
    frames: dict[str, int] = {}
    entries: dict[str, int] = {}
    for item in timeline:
        if isinstance(item.what, Frame):
            frames[item.what.feed] = frames.get(item.what.feed, 0) + 1
        else:
            entries[item.what.stream] = entries.get(item.what.stream, 0) + 1
    span = timeline[-1].recorded_ms - first_frame_ms(timeline) if timeline else 0
    return Counts(frames, entries, span)
