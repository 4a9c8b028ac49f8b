"""Latency accounting: from the feed event behind an intent to our request and its answer.

Three spans, each a Prometheus histogram with fine buckets and a rolling summary:

- ``tick_to_decision``: the intent's emit time minus the originating feed event's time;
- ``tick_to_order``: the POST leaving the executor minus that event time;
- ``tick_to_ack``: the venue's answer (or the paper venue's) minus that event time.

The summary (count, p50, p99 over the last ``WINDOW_SAMPLES`` samples) is written to the Redis hash
``state:latency`` so that an end-of-run report can print it without scraping Prometheus.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from prometheus_client import Histogram

#: Redis hash of the latency summary: ``<span>.count``, ``<span>.p50_ms``, ``<span>.p99_ms``.
LATENCY_KEY = "state:latency"
#: Bucket bounds in ms: 0.25 ms to 5 s.
BUCKETS_MS = (0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 250, 500, 1000, 2500, 5000)
#: Samples the rolling percentiles are computed over.
WINDOW_SAMPLES = 20_000
SPANS = ("tick_to_decision", "tick_to_order", "tick_to_ack")

_HISTOGRAMS = {
    span: Histogram(f"updown_{span}_ms", f"{span.replace('_', ' ')} latency in ms", ["worker"], buckets=BUCKETS_MS)
    for span in SPANS
}


def now_ms_float() -> float:
    """Wall-clock ms with sub-ms resolution (event times are wall-clock integer ms)."""
    return time.time_ns() / 1e6


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 < q <= 1)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-int(q * 1_000_000) * len(sorted_values) // 1_000_000))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class Latency:
    """Observes the three spans for one worker and keeps the rolling samples for the summary."""

    def __init__(self, worker: str, window: int = WINDOW_SAMPLES) -> None:
        self._hist = {span: h.labels(worker) for span, h in _HISTOGRAMS.items()}
        self._samples: dict[str, deque[float]] = {span: deque(maxlen=window) for span in SPANS}
        self._counts = dict.fromkeys(SPANS, 0)

    def observe(self, span: str, value_ms: float) -> None:
        value_ms = max(0.0, value_ms)
        self._hist[span].observe(value_ms)
        self._samples[span].append(value_ms)
        self._counts[span] += 1

    def decision(self, event_ms: int | None, emit_ms: int) -> None:
        if event_ms:
            self.observe("tick_to_decision", emit_ms - event_ms)

    def order(self, tick_ms: int | None, sent_ms: float, count: int = 1) -> None:
        if tick_ms:
            for _ in range(count):
                self.observe("tick_to_order", sent_ms - tick_ms)

    def ack(self, tick_ms: int | None, ack_ms: float, count: int = 1) -> None:
        if tick_ms:
            for _ in range(count):
                self.observe("tick_to_ack", ack_ms - tick_ms)

    def summary(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for span in SPANS:
            values = sorted(self._samples[span])
            out[f"{span}.count"] = str(self._counts[span])
            out[f"{span}.p50_ms"] = f"{percentile(values, 0.5):.3f}"
            out[f"{span}.p99_ms"] = f"{percentile(values, 0.99):.3f}"
        return out

    async def write(self, redis: Any) -> None:
        await redis.hset(LATENCY_KEY, mapping=self.summary())
