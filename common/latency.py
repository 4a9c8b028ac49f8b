"""Rolling latency spans: a Prometheus histogram each, and p50/p99 over the recent samples.

The summary (``<span>.count``, ``<span>.p50_ms``, ``<span>.p99_ms``) goes to the Redis hash
``state:latency``, so that ``updown report`` and the benchmarks read figures with sub-ms
resolution without scraping Prometheus. Each worker writes only its own spans' fields.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from prometheus_client import Histogram

#: Redis hash of every worker's latency summary.
LATENCY_KEY = "state:latency"
#: Bucket bounds in ms: 0.1 ms to 5 s.
BUCKETS_MS = (0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 250, 500, 1000,
              2500, 5000)  # fmt: skip
#: Samples the rolling percentiles are computed over.
WINDOW_SAMPLES = 20_000


def histogram(span: str, doc: str) -> Histogram:
    return Histogram(f"updown_{span}_ms", doc, ["worker"], buckets=BUCKETS_MS)


#: Every transforming stage's hop: an input's emit stamp (its writer's clock) to this stage's
#: outputs written and the input acked (the batch script answered).
BUS_HOP = histogram("bus_hop", "input entry written -> this stage's outputs written and the input acked, ms")


def hop_span(worker: str, stream: str) -> str:
    """The summary name of a stage's hop on one input stream: ``bus_hop.<worker>.<stream>``."""
    return f"bus_hop.{worker}.{stream}"


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 < q <= 1)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-int(q * 1_000_000) * len(sorted_values) // 1_000_000))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class Spans:
    """Observes named spans for one worker and keeps the rolling samples for the summary."""

    def __init__(self, worker: str, histograms: dict[str, Histogram], window: int = WINDOW_SAMPLES) -> None:
        self.names = tuple(histograms)
        self._hist = {span: h.labels(worker) for span, h in histograms.items()}
        self._samples: dict[str, deque[float]] = {span: deque(maxlen=window) for span in self.names}
        self._counts = dict.fromkeys(self.names, 0)

    def observe(self, span: str, value_ms: float) -> None:
        value_ms = max(0.0, value_ms)
        self._hist[span].observe(value_ms)
        self._samples[span].append(value_ms)
        self._counts[span] += 1

    def summary(self) -> dict[str, str]:
        """Count, p50 and p99 of each span observed so far (a span never observed is left out)."""
        out: dict[str, str] = {}
        for span in self.names:
            if not self._counts[span]:
                continue
            values = sorted(self._samples[span])
            out[f"{span}.count"] = str(self._counts[span])
            out[f"{span}.p50_ms"] = f"{percentile(values, 0.5):.3f}"
            out[f"{span}.p99_ms"] = f"{percentile(values, 0.99):.3f}"
        return out

    async def write(self, redis: Any) -> None:
        summary = self.summary()
        if summary:
            await redis.hset(LATENCY_KEY, mapping=summary)
