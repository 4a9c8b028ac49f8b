"""Host steal: how much of the CPU time this machine wanted its hypervisor gave to someone else.

From ``/proc/stat``: ``steal`` is time a virtual CPU had work and the host ran another guest. Every
process of ours stalls then, whatever its code, so a latency tail taken while steal is high
measures the host. Shown as a share of the time wanted (busy + stolen); NaN without /proc/stat.

- :class:`Steal`: the share over a whole run, printed beside each latency figure.
- :class:`StealTimeline`: the share in each short slice of a run, so a bench can also give its
  figures over the samples taken while the host left the machine alone. Both sets are printed;
  the whole run is the figure, the quiet slices say how much of it is ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from bisect import bisect_right
from collections.abc import AsyncIterator, Sequence

from bench.stats import percentile

#: Default length of a timeline's slice: /proc/stat counts in 10 ms ticks per CPU.
SLICE_S = 0.25
#: A slice is quiet when the host took at most this share of the CPU time wanted in it.
QUIET_SHARE = 0.01


def cpu_ticks(path: str = "/proc/stat") -> tuple[int, int] | None:
    """(stolen, busy) ticks of all CPUs since boot (busy: user, nice, system, irq, softirq)."""
    try:
        with open(path) as f:
            user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in f.readline().split()[1:9])
    except (OSError, ValueError):
        return None
    return steal, user + nice + system + irq + softirq


def share(start: tuple[int, int] | None, end: tuple[int, int] | None) -> float:
    """Stolen / (busy + stolen) between two readings."""
    if start is None or end is None:
        return float("nan")
    stolen, busy = end[0] - start[0], end[1] - start[1]
    return stolen / (busy + stolen) if busy + stolen > 0 else 0.0


class Steal:
    """The share over a run, from this meter's creation to each call."""

    def __init__(self, path: str = "/proc/stat") -> None:
        self._path = path
        self._start = cpu_ticks(path)

    def share(self) -> float:
        return share(self._start, cpu_ticks(self._path))

    def line(self) -> str:
        return steal_line(self.share())


def steal_line(stolen: float) -> str:
    return f"host steal during the run: {stolen:.0%} of the CPU time this machine wanted"


class StealTimeline:
    """Readings every ``slice_s`` while :meth:`run` runs, on the wall clock in ms (as envelope stamps)."""

    def __init__(self, slice_s: float = SLICE_S, path: str = "/proc/stat") -> None:
        self._slice_s = slice_s
        self._path = path
        self._at_ms: list[float] = []
        self._ticks: list[tuple[int, int] | None] = []

    def mark(self, at_ms: float | None = None) -> None:
        self._at_ms.append(time.time() * 1000 if at_ms is None else at_ms)
        self._ticks.append(cpu_ticks(self._path))

    async def run(self, stop: asyncio.Event) -> None:
        self.mark()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._slice_s)
            self.mark()

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[StealTimeline]:
        """Readings from entering to leaving (one more at the exit)."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.run(stop))
        try:
            yield self
        finally:
            stop.set()
            await task

    def share(self) -> float:
        """The share over the whole timeline, first reading to last."""
        return share(self._ticks[0], self._ticks[-1]) if self._ticks else float("nan")

    def line(self) -> str:
        return steal_line(self.share())

    def shares(self) -> list[float]:
        return [share(a, b) for a, b in zip(self._ticks, self._ticks[1:], strict=False)]

    def quiet(self, start_ms: float, end_ms: float, max_share: float = QUIET_SHARE) -> bool:
        """Every slice that [start_ms, end_ms] touches was quiet (and all of it was observed)."""
        return self._quiet(self.shares(), start_ms, end_ms, max_share)

    def _quiet(self, shares: list[float], start_ms: float, end_ms: float, max_share: float) -> bool:
        marks = self._at_ms
        first, last = bisect_right(marks, start_ms) - 1, bisect_right(marks, end_ms) - 1
        if first < 0 or last >= len(marks) - 1:
            return False
        return all(shares[i] <= max_share for i in range(first, last + 1))

    def quiet_line(self, samples: Sequence[tuple[float, float]], unit: str = "µs", scale: float = 1000.0,
                   max_share: float = QUIET_SHARE) -> str:  # fmt: skip
        """Percentiles of the samples (start_ms, end_ms) that lie wholly in quiet slices."""
        shares = self.shares()
        calm = sum(1 for s in shares if s <= max_share)
        kept = sorted((end - start) * scale for start, end in samples if self._quiet(shares, start, end, max_share))
        head = (f"in the run's quiet slices ({calm} of {len(shares)} slices of {self._slice_s * 1000:.0f} ms "
                f"with host steal <= {max_share:.0%}; {len(kept)} of {len(samples)} samples)")  # fmt: skip
        if not kept:
            return f"{head}: none"
        return (f"{head}: p50 {percentile(kept, 50):.0f} {unit}, p99 {percentile(kept, 99):.0f} {unit}, "
                f"max {kept[-1]:.0f} {unit}")  # fmt: skip
