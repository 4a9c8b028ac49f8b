"""Writing to streams: publish, emit-and-ack, dead letters, pending-safe trimming."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from common.bus import streams
from common.bus.codec import ENVELOPE_FIELDS, NO_KEY, Fields, encode, pack_body
from common.bus.envelope import Envelope
from common.bus.lane import ClientLane, FastLane, LaneScript, open_lane
from common.bus.scripts import DEAD_LETTER, EMIT_BATCH, EMIT_ONCE
from common.clock import Clock
from common.config.settings import BusSettings
from common.schemas.base import Message


@dataclass(frozen=True, slots=True)
class Emit:
    """One output of a handler: a body for a stream, under a market/series key."""

    stream: str
    body: Message
    key: str = ""


class Writer:
    """The one way a worker writes. ``src`` is the worker's name, stamped on every entry."""

    def __init__(self, redis: aioredis.Redis, src: str, cfg: BusSettings, clock: Clock) -> None:
        self._redis = redis
        self._src = src
        self.src = src
        self._cfg = cfg
        self._clock = clock
        self._maxlen: dict[str, int] = {}
        self._lane: FastLane | ClientLane | None = None
        self._emit_once = LaneScript(EMIT_ONCE)
        self._emit_batch = LaneScript(EMIT_BATCH)
        self._dead_letter = redis.register_script(DEAD_LETTER)

    @property
    def lane(self) -> FastLane | ClientLane:
        """The connection outputs go out on (opened on first use; never blocks)."""
        if self._lane is None:
            self._lane = open_lane(self._redis)
        return self._lane

    async def aclose(self) -> None:
        lane, self._lane = self._lane, None
        if lane is not None:
            await lane.aclose()

    def maxlen(self, stream: str) -> int:
        known = self._maxlen.get(stream)
        if known is None:
            kept = streams.retention(stream)
            bounded = self._cfg.market_data_maxlen if kept is streams.Retention.BOUNDED else 0
            known = self._maxlen[stream] = streams.CAPPED_MAXLEN.get(stream, bounded)
        return known

    def fields(
        self,
        body: Message,
        *,
        key: str = "",
        cause: Envelope | None = None,
        event_ms: int | None = None,
        ingest_ms: float | None = None,
    ) -> Fields:
        """Envelope fields; the origin timestamps come from the cause unless given."""
        now = self._clock.stamp_ms()
        if event_ms is None:
            event_ms = cause.event_ms if cause else int(now)
        if ingest_ms is None:
            ingest_ms = cause.ingest_ms if cause else now
        return encode(body, src=self._src, key=key, event_ms=event_ms, ingest_ms=ingest_ms, emit_ms=now)

    async def publish(
        self,
        stream: str,
        body: Message,
        *,
        key: str = "",
        event_ms: int | None = None,
        ingest_ms: float | None = None,
    ) -> str:
        """XADD one envelope; returns the entry id."""
        fields = self.fields(body, key=key, event_ms=event_ms, ingest_ms=ingest_ms)
        maxlen = self.maxlen(stream)
        entry_id = await self.lane.xadd(stream, fields, maxlen)
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    @staticmethod
    def marker(stream: str, group: str, entry_id: str) -> str:
        """The key that says "the outputs of this input entry are already written"."""
        return f"emitted:{group}:{stream}:{entry_id}"

    def batch(self, stream: str, group: str) -> Batch:
        """A batch of input entries of one stream: their outputs and acks, written in one script call."""
        return Batch(self, stream, group)

    async def emit_once(self, *, stream: str, group: str, cause: Envelope, outputs: Sequence[Emit]) -> bool:
        """Write one entry's outputs now, without acking it, at most once per entry. True if written."""
        keys: list[str] = [self.marker(stream, group, cause.id)]
        args: list[Any] = [self._cfg.dedupe_ttl_s * 1000]
        for out in outputs:
            keys.append(out.stream)
            fields = self.fields(out.body, key=out.key, cause=cause)
            args += [self.maxlen(out.stream), len(fields)]
            for name, value in fields.items():
                args += [name, value]
        return bool(await self.lane.evalsha(self._emit_once, keys, args))

    async def publish_once(
        self,
        marker: str,
        stream: str,
        body: Message,
        *,
        key: str = "",
        event_ms: int | None = None,
        ingest_ms: float | None = None,
    ) -> bool:
        """XADD unless ``marker`` was already set (atomically sets it). True if written.

        For sources that may see the same event twice (a fill re-sent by the venue, a restart
        that replays): the marker is the event's identity and lives ``bus.dedupe_ttl_s``.
        """
        fields = self.fields(body, key=key, event_ms=event_ms, ingest_ms=ingest_ms)
        args: list[Any] = [self._cfg.dedupe_ttl_s * 1000, self.maxlen(stream), len(fields)]
        for name, value in fields.items():
            args += [name, value]
        return bool(await self.lane.evalsha(self._emit_once, [marker, stream], args))

    async def dead_letter(
        self,
        client: Any,
        *,
        stream: str,
        group: str,
        entry_id: str,
        fields: Fields | None,
        reason: str,
        deliveries: int,
    ) -> Any:
        """Queue or run: copy the entry to ``<stream>:dlq`` with why, and ack it."""
        args: list[Any] = [group, entry_id]
        for name, value in (fields or {}).items():
            args += [name, value]
        args += [
            b"dlq_reason", reason.encode()[:2000],
            b"dlq_source", f"{stream}/{entry_id}".encode(),
            b"dlq_group", group.encode(),
            b"dlq_deliveries", str(deliveries).encode(),
            b"dlq_ms", str(self._clock.now_ms()).encode(),
        ]  # fmt: skip
        return await self._dead_letter(keys=[stream, streams.dlq(stream)], args=args, client=client)

    async def trim_pending_safe(self, stream: str) -> int:
        """Trim a never-below-pending stream to the oldest entry some group still needs."""
        if not await self._redis.exists(stream):
            return 0
        groups = await self._redis.xinfo_groups(stream)
        if not groups:
            return 0  # nobody has declared they read it yet: keep everything
        floor: tuple[int, int] | None = None
        for info in groups:
            name = _text(info["name"])
            keep = _parse_id(_text(info["last-delivered-id"]))
            if int(info["pending"]):
                summary = await self._redis.xpending(stream, name)
                if summary["min"] is not None:  # acked in between: nothing pending any more
                    keep = min(keep, _parse_id(_text(summary["min"])))
            floor = keep if floor is None else min(floor, keep)
        if floor is None or floor == (0, 0):
            return 0
        trimmed: int = await self._redis.xtrim(stream, minid=f"{floor[0]}-{floor[1]}", approximate=True)
        return trimmed


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _parse_id(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class Batch:
    """Outputs and acks of a batch of input entries, sent as one ``EMIT_BATCH`` call."""

    def __init__(self, writer: Writer, stream: str, group: str) -> None:
        self._writer = writer
        self._keys: list[str] = [stream]
        self._index: dict[str, int] = {}
        self._args: list[Any] = [group, Writer.marker(stream, group, "")]
        self.entries = 0

    def add(self, entry_id: str, cause: Envelope | None, outputs: Sequence[Emit]) -> None:
        """Ack ``entry_id`` and write its outputs (stamped from ``cause``), unless already written."""
        self.entries += 1
        self._args += [entry_id, len(outputs)]
        if not outputs:
            return
        writer = self._writer
        now = writer._clock.stamp_ms()
        event_ms, ingest_ms = (cause.event_ms, cause.ingest_ms) if cause else (int(now), now)
        for out in outputs:
            index = self._index.get(out.stream)
            if index is None:
                self._keys.append(out.stream)
                index = self._index[out.stream] = len(self._keys)
            # The envelope's fields laid straight into the script's arguments (hiredis packs str and
            # int as they are): what codec.encode makes, without the intermediate dict.
            body = out.body
            self._args += [index, writer.maxlen(out.stream), ENVELOPE_FIELDS,
                           b"type", body.TYPE, b"v", body.VERSION, b"src", writer.src, b"key", out.key or NO_KEY,
                           b"event_ms", event_ms, b"ingest_ms", ingest_ms, b"emit_ms", now,
                           b"body", pack_body(body)]  # fmt: skip

    async def send(self) -> None:
        if self.entries:
            writer = self._writer
            await writer.lane.evalsha(writer._emit_batch, self._keys, self._args)
