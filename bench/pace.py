"""A producer paced at a steady rate without spinning a core.

uvloop's timers count whole milliseconds: there ``asyncio.sleep(0.0005)`` returns at once, so a
loop that sleeps less than a millisecond between sends spins. On a 2-core machine that spinning
core is taken from Redis and from the worker under test, and the latency they show grows with it.
The pacer sleeps at least a millisecond and hands out what the rate owes since the start: one send
per tick at 1,000/s, a few back to back above that.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

#: The shortest sleep between sends that every event loop honours.
TICK_S = 0.001


async def paced(rate: float, total: int) -> AsyncIterator[int]:
    """Yield the sequence numbers 1..total, each no earlier than ``(seq - 1) / rate`` s after the first."""
    start = time.perf_counter()
    seq = 0
    while seq < total:
        owed = min(total, int((time.perf_counter() - start) * rate) + 1)
        while seq < owed:
            seq += 1
            yield seq
        if seq < total:
            due = start + seq / rate
            await asyncio.sleep(max(TICK_S, due - time.perf_counter()))
