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


async def cpu_now(client: Any, pid: int) -> tuple[float, float]:
    """CPU seconds used so far by a process and by the Redis server ``client`` talks to."""
    return process_cpu_s(pid), await redis_cpu_s(client)


def cpu_per_unit_us(start: tuple[float, float], end: tuple[float, float], units: int) -> tuple[float, float]:
    """µs of CPU per unit of work (message, frame) of each, between two ``cpu_now`` readings."""
    return (end[0] - start[0]) / max(units, 1) * 1e6, (end[1] - start[1]) / max(units, 1) * 1e6


async def write_percentiles(client: Any, key: str, samples_ms: list[float]) -> None:
    """A bare baseline's figures under ``key``: ``p50_ms``, ``p99_ms``, ``count`` (nothing if no samples)."""
    if samples_ms:
        samples_ms.sort()
        p50, p99 = nearest_rank(samples_ms, 0.5), nearest_rank(samples_ms, 0.99)
        await client.hset(key, mapping={"p50_ms": p50, "p99_ms": p99, "count": len(samples_ms)})


async def read_figures(client: Any, key: str) -> dict[str, float]:
    """A hash of figures (a baseline's, or a worker's latency summary) as numbers."""
    return {k.decode(): float(v) for k, v in (await client.hgetall(key)).items()}
