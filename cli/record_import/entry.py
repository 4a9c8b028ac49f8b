"""One entry to record, before it has a stream id, and the time span an import keeps (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from common.schemas.base import Message


@dataclass(frozen=True, slots=True)
class Entry:
    """A body for a stream as the worker ``src`` would have written it.

    ``ms`` is when it would have been written (the entry id's time: the source's receive stamp,
    or its own stamp when it has no other); ``event_ms`` the venue's stamp of the event and
    ``ingest_ms`` when the feed received it (the envelope's stamps).
    """

    ms: int
    stream: str
    body: Message
    src: str
    key: str
    event_ms: int
    ingest_ms: int


@dataclass(frozen=True, slots=True)
class Span:
    """Entries with ``from_ms`` <= ms < ``to_ms`` are kept (None: unbounded)."""

    from_ms: int | None = None
    to_ms: int | None = None

    def holds(self, ms: int) -> bool:
        return (self.from_ms is None or ms >= self.from_ms) and (self.to_ms is None or ms < self.to_ms)


#: No bounds: every entry.
EVERYTHING = Span()


def parse_time(text: str) -> int:
    """Unix seconds or milliseconds, or ISO 8601 (UTC when it names no zone) -> epoch ms."""
    value = text.strip()
    if value.isdigit():
        number = int(value)
        return number * 1000 if number < 10**11 else number
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a time: {text!r} (unix s or ms, or ISO 8601 such as 2026-06-08T10:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
