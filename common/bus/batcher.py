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
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from common.bus.codec import Fields
from common.bus.lane import ClientLane, FastLane

#: Most entries in one pipeline.
MAX_BATCH = 2_000
#: Most pipelines written and not yet answered before entries wait to go out together.
MAX_IN_FLIGHT = 4
#: Called with the receive times of the entries just written and the time they were written.
OnWritten = Callable[[list[int], int], None]


class Batcher:
    def __init__(self, lane: FastLane | ClientLane, on_written: OnWritten | None = None) -> None:
        self._lane = lane
        self._on_written = on_written
        self._pending: list[tuple[str, Fields, int]] = []
        self._received: list[int] = []
        self._ready = asyncio.Event()
        #: Pipelines written and not yet answered, oldest first, with their entries' receive times.
        self._issued: deque[tuple[Coroutine[Any, Any, list[bytes]], list[int]]] = deque()
        #: The flusher is writing through ``xadd_many`` (connecting): nothing may go out ahead of it.
        self._sending = False
        self.flushes = 0

    def add(self, stream: str, fields: Fields, maxlen: int = 0, received_ns: int = 0) -> None:
        self._pending.append((stream, fields, maxlen))
        if received_ns and self._on_written is not None:
            self._received.append(received_ns)
        if not self._sending and len(self._issued) < MAX_IN_FLIGHT:
            self._issue_now()  # with anything still waiting ahead of it, in order
        self._ready.set()

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
        self._issued.append((issued, received))
        return True

    def _take(self) -> tuple[list[tuple[str, Fields, int]], list[int]]:
        """The next pipeline's entries; the receive times go with the backlog's last pipeline, when
        every entry of theirs is written."""
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        received, self._received = (self._received, []) if not self._pending else ([], self._received)
        return batch, received

    async def run(self, stopping: asyncio.Event) -> None:
        """Flush until stopping, then flush what is left."""
        waker = asyncio.ensure_future(self._wake_when(stopping))
        try:
            while not stopping.is_set():
                await self._ready.wait()  # no futures made per flush: this runs on every frame
                await self.flush()
            await self.flush()
        finally:
            waker.cancel()

    async def _wake_when(self, stopping: asyncio.Event) -> None:
        await stopping.wait()
        self._ready.set()

    async def flush(self) -> None:
        """Collect every pipeline in flight and write what waits, until nothing is left."""
        self._ready.clear()  # an entry added from here on sets it again: the flusher comes back
        try:
            while self._issued or self._pending:
                if self._issued:
                    issued, received = self._issued[0]
                    await issued
                    self._issued.popleft()
                    self._written(received)
                elif not self._issue_now():
                    await self._send_pending()
        except BaseException:
            while self._issued:  # their connection failed too: no reply will come
                self._issued.popleft()[0].close()
            raise

    async def _send_pending(self) -> None:
        self._sending = True
        try:
            batch, received = self._take()
            await self._lane.xadd_many(batch)
        finally:
            self._sending = False
        self._written(received)

    def _written(self, received: list[int]) -> None:
        self.flushes += 1
        if received and self._on_written is not None:
            self._on_written(received, time.perf_counter_ns())
