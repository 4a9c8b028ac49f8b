"""Coalesce a source's XADDs: frames arriving while a pipeline is in flight go out in the next one.

At a low rate every entry is written at once (the flusher is idle, waiting); under load, one round
trip carries everything that arrived during the previous one. Order is kept per stream. An entry
added with its receive time (``perf_counter_ns``) is reported to ``on_written`` once Redis has it:
receive-to-stream latency, as the source itself sees it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

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
        self.flushes = 0

    def add(self, stream: str, fields: Fields, maxlen: int = 0, received_ns: int = 0) -> None:
        self._pending.append((stream, fields, maxlen))
        if received_ns and self._on_written is not None:
            self._received.append(received_ns)
        self._ready.set()

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
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            # Stamps are reported with the backlog's last batch: when every entry of theirs is written.
            received, self._received = (self._received, []) if not self._pending else ([], self._received)
            if not self._pending:
                self._ready.clear()
            await self._lane.xadd_many(batch)
            self.flushes += 1
            if received and self._on_written is not None:
                self._on_written(received, time.perf_counter_ns())
