"""Percentiles for benchmark reports."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from common.latency import percentile as nearest_rank


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in [0, 100]); NaN when there are none."""
    return nearest_rank(sorted_values, q / 100) if sorted_values else float("nan")


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; NaN where /proc is not there."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def redis_cpu_s(client: Any) -> float:
    """CPU seconds (user + system) the Redis server has used so far."""
    info = await client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


class Steal:
    """How much of the CPU time this machine wanted over a run its hypervisor gave to someone else.

    From ``/proc/stat``: ``steal`` is time a virtual CPU had work and the host ran another guest.
    Every process of ours stalls then, whatever its code, so a latency tail taken while it is high
    measures the host. Shown as a share of the time wanted (busy + stolen). NaN without /proc/stat.
    """

    def __init__(self, path: str = "/proc/stat") -> None:
        self._path = path
        self._start = _cpu_ticks(path)

    def share(self) -> float:
        """Stolen / (busy + stolen) since this meter started."""
        end = _cpu_ticks(self._path)
        if self._start is None or end is None:
            return float("nan")
        stolen, busy = end[0] - self._start[0], end[1] - self._start[1]
        return stolen / (busy + stolen) if busy + stolen > 0 else 0.0

    def line(self) -> str:
        return f"host steal during the run: {self.share():.0%} of the CPU time this machine wanted"


def _cpu_ticks(path: str) -> tuple[int, int] | None:
    """(stolen, busy) ticks of all CPUs since boot (busy: user, nice, system, irq, softirq)."""
    try:
        with open(path) as f:
            user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in f.readline().split()[1:9])
    except (OSError, ValueError):
        return None
    return steal, user + nice + system + irq + softirq
