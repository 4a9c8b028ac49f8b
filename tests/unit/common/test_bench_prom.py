"""Percentiles over a bench's measured interval from two scrapes of a Prometheus histogram."""

from __future__ import annotations

import math

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from bench.prom import difference, figures, parse, quantile

BOUNDS = (1.0, 5.0, 10.0, 50.0)
NAME = "updown_tick_to_order_ms"


def scrape(hist_registry: CollectorRegistry) -> list[tuple[float, float]]:
    return parse(generate_latest(hist_registry).decode(), (NAME,))[NAME]


def test_the_interval_holds_only_what_was_observed_between_the_scrapes() -> None:
    registry = CollectorRegistry()
    hist = Histogram(NAME, "doc", ["worker"], buckets=BOUNDS, registry=registry).labels("executor")
    for _ in range(50):
        hist.observe(900.0)  # start-up: beyond every bound
    start = scrape(registry)
    for value in [2.0] * 60 + [7.0] * 39 + [40.0]:
        hist.observe(value)
    steady = figures(difference(scrape(registry), start))
    assert steady["count"] == 100
    assert 1.0 < steady["p50_ms"] <= 5.0  # the 50th of 100 lies among the 60 in (1, 5]
    assert 5.0 < steady["p99_ms"] <= 10.0  # the 99th is the last of the 39 in (5, 10]
    whole = figures(scrape(registry))
    assert whole["count"] == 150 and whole["p99_ms"] == 50.0  # in +Inf: the highest finite bound


def test_the_buckets_are_read_without_the_type_lines_too() -> None:
    registry = CollectorRegistry()
    Histogram(NAME, "doc", buckets=BOUNDS, registry=registry).observe(3.0)
    bare = "\n".join(line for line in generate_latest(registry).decode().splitlines() if "_bucket" in line)
    assert parse(bare, (NAME,))[NAME] == scrape(registry)


def test_linear_within_a_bucket_as_histogram_quantile() -> None:
    buckets = [(10.0, 0.0), (20.0, 100.0), (math.inf, 100.0)]
    assert quantile(0.5, buckets) == 15.0
    assert quantile(0.99, buckets) == 19.9
    assert math.isnan(quantile(0.5, [(10.0, 0.0), (math.inf, 0.0)]))
    assert math.isnan(quantile(0.5, []))
