"""Write a source's entries at once, a few pipelines deep, and coalesce what comes beyond that.

An entry is written to the socket from the caller's own turn of the event loop
(``FastLane.issue_many``), with no wake-up of the flusher task in between, as long as fewer than
``MAX_IN_FLIGHT`` pipelines await their replies: frames that arrive together (the venue sends
them in bursts) do not wait for each other's round trips. Beyond that, entries wait and go out
together in the next pipeline, so a flood costs one write per round trip, not one per frame. The
flusher task collects the replies in order. One connection, entries in the order added. An entry
added with its receive time (``perf_counter_ns``) is reported to ``on_written`` once Redis has it:
receive-to-stream latency, as the source itself sees it. A lane that is not ours, or not yet
connected, is written by the flusher (``xadd_many``).

When Redis cannot be written (the connection lost or timed out, Redis loading its data after a
restart, or full), the entries wait: the flusher backs off, connects again and writes them, in
order. A pipeline whose connection died before its reply is written again (at least once: Redis
may have had it). The wait is bounded: past ``backlog_max`` entries the oldest are dropped (a
source's entries are market data, the oldest worth least), counted in
``updown_bus_backlog_dropped_total`` and logged. A :class:`PublishWatcher` is told when writing
fails and when it has caught up, so that the source can say it is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from common import metrics
from common.bus.codec import Fields
from common.bus.lane import Append, ClientLane, FastLane
from common.logs import Log, get_logger
from common.retry import Backoff

#: Most entries in one pipeline.
MAX_BATCH = 2_000
#: Most pipelines written and not yet answered before entries wait to go out together.
MAX_IN_FLIGHT = 4
#: Called with the receive times of the entries just written and the time they were written.
OnWritten = Callable[[list[int], int], None]
#: Entries held while Redis cannot be written, when the source does not say (``bus.publish_backlog_max``).
BACKLOG_MAX = 50_000
#: First and largest pause between attempts while Redis cannot be written, when the source does not
#: say (``redis.reconnect_initial_ms`` / ``redis.reconnect_max_ms``).
RETRY_INITIAL_MS = 100
RETRY_MAX_MS = 5_000
#: Redis cannot be written now (a BusyLoadingError, Redis loading its data, is a ConnectionError):
#: the entries wait and the write is tried again.
UNWRITABLE = (RedisConnectionError, RedisTimeoutError, OutOfMemoryError, ReadOnlyError, OSError)


class PublishWatcher(Protocol):
    """Told by the flusher how writing goes: the source's up/down."""

    #: Something to write (a status): the flusher calls :meth:`report` before its next write.
    owes: bool

    def failing(self, reason: str) -> None:
        """A write just failed (said on every failed attempt; no I/O here)."""

    def resumed(self) -> None:
        """Everything that waited is written."""

    async def report(self) -> None:
        """Write what there is to say; a Redis error propagates (the flusher tries again)."""


class Batcher:
    def __init__(self, lane: FastLane | ClientLane, on_written: OnWritten | None = None, *, worker: str = "",
                 backlog_max: int = BACKLOG_MAX, retry: Backoff | None = None,
                 watcher: PublishWatcher | None = None, log: Log | None = None) -> None:  # fmt: skip
        self._lane = lane
        self._on_written = on_written
        self._pending: list[Append] = []
        self._received: list[int] = []
        self._ready = asyncio.Event()
        #: Pipelines written and not yet answered, oldest first, with their entries and receive times.
        self._issued: deque[tuple[Coroutine[Any, Any, list[bytes]], list[Append], list[int]]] = deque()
        #: The flusher is writing through ``xadd_many`` (connecting): nothing may go out ahead of it.
        self._sending = False
        self.flushes = 0
        self._backlog_max = backlog_max
        #: Dropped at once when full: one list shift per chunk, not one per entry added.
        self._drop_chunk = max(1, min(MAX_BATCH, backlog_max // 100))
        self._retry = retry or Backoff(RETRY_INITIAL_MS, RETRY_MAX_MS)
        self._watcher = watcher
        self._log = log or get_logger(worker or "batcher")
        #: Writing is failing since this monotonic time (0: it is not).
        self._down_since = 0.0
        self._dropped_since_down = 0
        #: Entries dropped from a full backlog, in all.
        self.dropped = 0
        self._backlog = metrics.BACKLOG_ENTRIES.labels(worker)
        self._dropped = metrics.BACKLOG_DROPPED.labels(worker)
        self._failures = metrics.PUBLISH_FAILURES.labels(worker)

    @property
    def backlog(self) -> int:
        """Entries waiting to be written."""
        return len(self._pending)

    def add(self, stream: str, fields: Fields, maxlen: int = 0, received_ns: int = 0) -> None:
        pending = self._pending
        pending.append((stream, fields, maxlen))
        if received_ns and self._on_written is not None:
            self._received.append(received_ns)
        if len(pending) > self._backlog_max:
            self._drop_oldest()
        if not self._down_since and not self._sending and len(self._issued) < MAX_IN_FLIGHT:
            self._issue_now()  # with anything still waiting ahead of it, in order
        self._ready.set()

    def _drop_oldest(self) -> None:
        pending = self._pending
        dropped = min(len(pending), max(len(pending) - self._backlog_max, self._drop_chunk))
        del pending[:dropped]
        if len(self._received) > len(pending):  # at most one receive time per entry
            del self._received[: len(self._received) - len(pending)]
        if not self._dropped_since_down:
            self._log.warning("backlog_full_dropping_oldest", backlog_max=self._backlog_max, dropped=dropped)
        self.dropped += dropped
        self._dropped_since_down += dropped
        self._dropped.inc(dropped)
        self._backlog.set(len(pending))

    def _issue_now(self) -> bool:
        """Write the next pipeline of pending entries now: False if this lane cannot (not ours, or
        not connected)."""
        issue = getattr(self._lane, "issue_many", None)
        if issue is None:
            return False
        batch, received = self._take()
        issued = issue(batch)
        if issued is None:
            self._pending[:0], self._received[:0] = batch, received
            return False
        self._issued.append((issued, batch, received))
        return True

    def _take(self) -> tuple[list[Append], list[int]]:
        """The next pipeline's entries; the receive times go with the backlog's last pipeline, when
        every entry of theirs is written."""
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        received, self._received = (self._received, []) if not self._pending else ([], self._received)
        return batch, received

    async def run(self, stopping: asyncio.Event) -> None:
        """Flush until stopping (through Redis outages), then flush what is left."""
        waker = asyncio.ensure_future(self._wake_when(stopping))
        try:
            while not stopping.is_set():
                await self._ready.wait()  # no futures made per flush: this runs on every frame
                await self._publish(stopping)
            await self._publish(stopping)
            if self._pending:
                self._log.error("unwritten_at_stop", entries=len(self._pending))
        finally:
            waker.cancel()

    async def _wake_when(self, stopping: asyncio.Event) -> None:
        await stopping.wait()
        self._ready.set()

    async def _publish(self, stopping: asyncio.Event) -> None:
        """Flush; while Redis cannot be written, back off and try again (once more when stopping)."""
        last = stopping.is_set()
        while True:
            watcher = self._watcher
            try:
                if watcher is not None and watcher.owes:
                    await watcher.report()  # first thing once Redis answers: the outage is said
                await self.flush()
                if self._down_since:
                    self._resumed()
                    if watcher is not None:
                        await watcher.report()
                return
            except UNWRITABLE as exc:
                self._failed(exc)
            if last:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self._retry.next_delay_s())
            last = stopping.is_set()

    def _failed(self, exc: Exception) -> None:
        reason = f"cannot write to Redis: {exc!r}"[:300]
        if not self._down_since:
            self._down_since = time.monotonic()
            self._dropped_since_down = 0
            self._log.warning("publish_failed", error=reason, backlog=len(self._pending))
        self._failures.inc()
        self._backlog.set(len(self._pending))
        if self._watcher is not None:
            self._watcher.failing(reason)

    def _resumed(self) -> None:
        self._log.info("publish_resumed", down_s=round(time.monotonic() - self._down_since, 3),
                       dropped=self._dropped_since_down)  # fmt: skip
        self._down_since = 0.0
        self._dropped_since_down = 0
        self._retry.reset()
        self._backlog.set(0)
        if self._watcher is not None:
            self._watcher.resumed()

    async def flush(self) -> None:
        """Collect every pipeline in flight and write what waits, until nothing is left.

        On an error, the entries of the pipelines in flight go back ahead of those waiting."""
        self._ready.clear()  # an entry added from here on sets it again: the flusher comes back
        try:
            while self._issued or self._pending:
                if self._issued:
                    issued, _, received = self._issued[0]
                    await issued
                    self._issued.popleft()
                    self._written(received)
                elif not self._issue_now():
                    await self._send_pending()
        except BaseException:
            batches: list[Append] = []
            receipts: list[int] = []
            while self._issued:  # their connection failed too: no reply will come
                issued, batch, received = self._issued.popleft()
                issued.close()
                batches += batch
                receipts += received
            self._pending[:0], self._received[:0] = batches, receipts
            if len(self._pending) > self._backlog_max:
                self._drop_oldest()
            raise

    async def _send_pending(self) -> None:
        self._sending = True
        batch, received = self._take()
        try:
            await self._lane.xadd_many(batch)
        except BaseException:
            self._pending[:0], self._received[:0] = batch, received
            raise
        finally:
            self._sending = False
        self._written(received)

    def _written(self, received: list[int]) -> None:
        self.flushes += 1
        if received and self._on_written is not None:
            self._on_written(received, time.perf_counter_ns())
