"""Reading a stream through a consumer group: pending first, then new, plus claiming the abandoned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from common.bus.codec import Fields
from common.bus.lane import ClientLane, FastLane, open_lane
from common.config.settings import BusSettings


@dataclass(frozen=True, slots=True)
class Delivery:
    stream: str
    id: str
    #: None when the entry was trimmed away while it was pending.
    fields: Fields | None
    #: How many times the group has delivered this entry, this time included.
    deliveries: int


@dataclass(frozen=True, slots=True)
class GroupStatus:
    pending: int
    #: Entries not yet delivered to the group (Redis 7+ reports it; None before).
    lag_entries: int | None
    #: Age gap between the newest entry and the last one delivered to the group.
    lag_ms: int


class GroupReader:
    """One consumer of one group on one stream.

    On start it re-reads its own pending entries (work it was given before a crash or restart) and
    only then new ones. :meth:`retry_pending` sends it back to its pending list after a failure, so
    a failing entry is retried in order before anything newer.

    A delivery counts toward the dead-letter limit when the entry may be at fault: a handler failure,
    or a process that died with the entry in hand (its pending entries are re-read with
    XREADGROUP at start, which counts one). A re-read after a reconnect in the same process counts
    nothing (XCLAIM with the count it had): Redis went away, the entry failed nothing.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        stream: str,
        group: str,
        consumer: str,
        cfg: BusSettings,
        block_ms: int,
        start_id: str = "0",
    ) -> None:
        self._redis = redis
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self._cfg = cfg
        self._block_ms = block_ms
        self._start_id = start_id
        self._pending_first = True
        self._retry_one = False
        #: The next pending read counts a delivery (at start, after a failure; not after a reconnect).
        self._charged = True
        #: This consumer has read its pending entries once (the start-up charge is taken).
        self._started = False
        self._lane: FastLane | ClientLane | None = None

    async def aclose(self) -> None:
        lane, self._lane = self._lane, None
        if lane is not None:
            await lane.aclose()

    async def ensure_group(self) -> bool:
        """Create the group (and the stream) if missing. True if it was created now."""
        try:
            await self._redis.xgroup_create(self.stream, self.group, id=self._start_id, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" in str(exc):
                return False
            raise
        return True

    @property
    def reading_pending(self) -> bool:
        """The next read returns this consumer's pending entries (acks must have landed first)."""
        return self._pending_first

    def reread_pending(self) -> None:
        """Go back to this consumer's pending entries before anything new: at start counted as a
        delivery (one of them may have killed the last process), after a reconnect not."""
        self._pending_first = True
        self._charged = not self._started

    def retry_pending(self) -> None:
        """Go back to the pending list, oldest first, one entry at a time until it passes.

        Only the failed entry is re-delivered at first: the entries behind it in its batch were never
        attempted, and re-reading them with it would count deliveries they did not fail.
        """
        self._pending_first = True
        self._retry_one = True
        self._charged = True

    async def read(self) -> list[Delivery]:
        if self._pending_first:
            count = 1 if self._retry_one else self._cfg.read_count
            self._retry_one = False
            if self._charged:
                own = await self._xreadgroup("0", block=None, count=count)
                self._started = True
                if own:
                    return await self._with_counts(own)
            else:
                again = await self._own_pending_uncounted(count)
                if again:
                    return again
            self._pending_first = False
        fresh = await self._xreadgroup(">", block=self._block_ms, count=self._cfg.read_count)
        return [Delivery(self.stream, _text(i), f, 1) for i, f in fresh]

    async def claim_abandoned(self) -> list[Delivery]:
        """Take over entries another consumer has left idle for ``claim_idle_ms``."""
        reply = await self._redis.xautoclaim(
            self.stream,
            self.group,
            self.consumer,
            min_idle_time=self._cfg.claim_idle_ms,
            start_id="0-0",
            count=self._cfg.read_count,
        )
        claimed = [(i, f) for i, f in reply[1]]
        deleted = [_text(i) for i in reply[2]] if len(reply) > 2 else []
        out = await self._with_counts(claimed) if claimed else []
        out += [Delivery(self.stream, i, None, 1) for i in deleted]
        return out

    async def status(self) -> GroupStatus:
        if not await self._redis.exists(self.stream):
            return GroupStatus(0, None, 0)
        info = next(
            (g for g in await self._redis.xinfo_groups(self.stream) if _text(g["name"]) == self.group), None
        )
        if info is None:
            return GroupStatus(0, None, 0)
        last = await self._redis.xinfo_stream(self.stream) if await self._redis.exists(self.stream) else None
        newest = _text(last["last-generated-id"]) if last else "0-0"
        delivered = _text(info["last-delivered-id"])
        lag = info.get("lag")
        return GroupStatus(
            pending=int(info["pending"]),
            lag_entries=None if lag is None else int(lag),
            lag_ms=max(0, _ms(newest) - _ms(delivered)) if newest != delivered else 0,
        )

    async def _xreadgroup(self, start: str, block: int | None, count: int) -> list[tuple[Any, Fields | None]]:
        if self._lane is None:  # its own connection: a blocking read must not hold up anyone else
            self._lane = open_lane(self._redis)
        return await self._lane.xreadgroup(self.group, self.consumer, self.stream, start, count=count,
                                           block_ms=block)  # fmt: skip

    async def _own_pending_uncounted(self, count: int) -> list[Delivery]:
        """This consumer's oldest pending entries, their delivery counts left as they were (each
        claimed back with its own count, which also makes it look busy to the other consumers)."""
        rows = await self._redis.xpending_range(self.stream, self.group, min="-", max="+", count=count,
                                                consumername=self.consumer)  # fmt: skip
        if not rows:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for row in rows:
            pipe.xclaim(self.stream, self.group, self.consumer, 0, [row["message_id"]],
                        retrycount=int(row["times_delivered"]))  # fmt: skip
        out = []
        for row, claimed in zip(rows, await pipe.execute(), strict=True):
            fields = claimed[0][1] if claimed and claimed[0][0] is not None else None  # None: trimmed away
            out.append(Delivery(self.stream, _text(row["message_id"]), fields or None, int(row["times_delivered"])))
        return out

    async def _with_counts(self, entries: list[tuple[Any, Fields | None]]) -> list[Delivery]:
        ids = [_text(i) for i, _ in entries]
        rows = await self._redis.xpending_range(
            self.stream, self.group, min=ids[0], max=ids[-1], count=len(ids) * 4 + 16,
            consumername=self.consumer,
        )  # fmt: skip
        counts = {_text(r["message_id"]): int(r["times_delivered"]) for r in rows}
        return [Delivery(self.stream, i, f or None, counts.get(i, 1)) for i, (_, f) in zip(ids, entries, strict=True)]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _ms(entry_id: str) -> int:
    return int(entry_id.partition("-")[0])
