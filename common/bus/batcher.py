"""Coalesce a source's XADDs: frames arriving while a pipeline is in flight go out in the next one.

When nothing is in flight, an entry is written to the socket at once, from the caller's own turn of
the event loop (``FastLane.issue_many``): no wake-up of the flusher task between a frame and its
XADD. The flusher then only collects the reply. Under load, one round trip carries everything that
arrived during the previous one. Order is kept: one connection, one pipeline at a time. An entry
added with its receive time (``perf_counter_ns``) is reported to ``on_written`` once Redis has it:
receive-to-stream latency, as the source itself sees it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from common.bus.codec import Fields
from common.bus.lane import ClientLane, FastLane

#: Most entries in one pipeline.
MAX_BATCH = 2_000
#: Called with the receive times of the entries just written and the time they were written.
OnWritten = Callable[[list[int], int], None]


class Batcher:
    def __init__(self, lane: FastLane | ClientLane, on_written: OnWritten | None = None) -> None:
        self._lane = lane
        self._on_written = on_written
        self._pending: list[tuple[str, Fields, int]] = []
        self._received: list[int] = []
        self._ready = asyncio.Event()
        #: A pipeline written from ``add`` and not yet collected, with its entries' receive times.
        self._issued: tuple[Awaitable[list[bytes]], list[int]] | None = None
        self._flushing = False
        self.flushes = 0

    def add(self, stream: str, fields: Fields, maxlen: int = 0, received_ns: int = 0) -> None:
        self._pending.append((stream, fields, maxlen))
        if received_ns and self._on_written is not None:
            self._received.append(received_ns)
        if self._issued is None and not self._flushing:
            self._issue_now()
        self._ready.set()

    def _issue_now(self) -> None:
        """Nothing in flight: write what is pending now (a lane of our own only, and connected)."""
        issue = getattr(self._lane, "issue_many", None)
        if issue is None:
            return
        batch, received = self._take()
        issued = issue(batch)
        if issued is None:  # not connected: the flusher connects and sends
            self._pending[:0], self._received[:0] = batch, received
            return
        self._issued = (issued, received)

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
        """Collect the pipeline written by ``add``, then send and collect what came meanwhile."""
        self._ready.clear()  # an entry added from here on sets it again: the flusher comes back
        self._flushing = True
        try:
            if self._issued is not None:
                issued, received = self._issued
                self._issued = None
                await issued
                self._written(received)
            while self._pending:
                batch, received = self._take()
                await self._lane.xadd_many(batch)
                self._written(received)
        finally:
            self._flushing = False

    def _written(self, received: list[int]) -> None:
        self.flushes += 1
        if received and self._on_written is not None:
            self._on_written(received, time.perf_counter_ns())
