"""Percentiles over an interval of a run, from two scrapes of a worker's Prometheus histograms.

A worker's latency summary (``state:latency``) covers its whole run, start-up included; a bench
that wants the steady state scrapes the histogram at the start and at the end of its measured
interval and reads the percentiles off the difference of the bucket counts, as Prometheus's
``histogram_quantile`` does: linear within the bucket the rank falls in (so a figure is only as fine
as ``common.latency.BUCKETS_MS``), the highest finite bound when it falls beyond the last.
"""

from __future__ import annotations

import math
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

#: Cumulative count per upper bound (``le``), ascending, ``inf`` last.
Buckets = list[tuple[float, float]]


def parse(text: str, names: tuple[str, ...]) -> dict[str, Buckets]:
    """The cumulative buckets of each histogram in ``names`` (summed over its other labels)."""
    wanted = {f"{name}_bucket": name for name in names}  # by sample: the text may lack its TYPE lines
    out: dict[str, dict[float, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            name = wanted.get(sample.name)
            if name is not None:
                counts = out.setdefault(name, {})
                le = float(sample.labels["le"])
                counts[le] = counts.get(le, 0.0) + sample.value
    return {name: sorted(counts.items()) for name, counts in out.items()}


def scrape(port: int, names: tuple[str, ...], timeout_s: float = 5.0) -> dict[str, Buckets]:
    """``parse`` of ``http://127.0.0.1:<port>/metrics``."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout_s) as response:
        return parse(response.read().decode(), names)


def difference(end: Buckets, start: Buckets) -> Buckets:
    """What was observed between two scrapes of one histogram (``start`` empty: since it began)."""
    before = dict(start)
    return [(le, count - before.get(le, 0.0)) for le, count in end]


def quantile(q: float, buckets: Buckets) -> float:
    """The ``q`` quantile (0 < q <= 1) of cumulative ``buckets``; nan when they hold nothing."""
    if not buckets or buckets[-1][1] <= 0:
        return math.nan
    rank = q * buckets[-1][1]
    lower, below = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if math.isinf(le):
                return lower  # beyond the last finite bound: that bound, as histogram_quantile
            return lower + (le - lower) * (rank - below) / (count - below) if count > below else le
        lower, below = le, count
    return lower


def figures(buckets: Buckets) -> dict[str, float]:
    """Sample count, p50 and p99 (ms) of one histogram's interval."""
    return {"count": buckets[-1][1] if buckets else 0.0, "p50_ms": quantile(0.5, buckets),
            "p99_ms": quantile(0.99, buckets)}  # fmt: skip
