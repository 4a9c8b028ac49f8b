"""The cheap histogram exposes exactly what prometheus_client's Histogram does."""

from __future__ import annotations

import random

import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from common.fast_histogram import FastHistogram


def exposition(registry: CollectorRegistry) -> list[str]:
    return [line for line in generate_latest(registry).decode().splitlines() if "_created" not in line]


def test_a_scrape_sees_the_same_buckets_counts_and_sums_as_the_library_histogram() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    fast = FastHistogram("updown_x_ms", "doc", ["worker", "stream"], buckets=(0.1, 1, 5, 10), registry=ours)
    slow = Histogram("updown_x_ms", "doc", ["worker", "stream"], buckets=(0.1, 1, 5, 10), registry=theirs)
    rng = random.Random(3)
    values = [0.1, 1.0, 5.0, 10.0, 0.0] + [rng.expovariate(0.3) for _ in range(500)]  # edges are inclusive
    for i, value in enumerate(values):
        labels = ("relay", f"s{i % 3}")
        fast.labels(*labels).observe(value)
        slow.labels(*labels).observe(value)
    assert exposition(ours) == exposition(theirs)


def test_the_wrong_number_of_labels_is_refused() -> None:
    fast = FastHistogram("updown_y_ms", "doc", ["worker"], buckets=(1,), registry=None)
    with pytest.raises(ValueError, match="takes labels"):
        fast.labels("a", "b")


def test_a_batch_observed_at_once_is_exposed_as_its_values_observed_one_by_one() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    fast = FastHistogram("updown_y_ms", "doc", ["worker"], buckets=(0.1, 1, 5, 10), registry=ours)
    slow = Histogram("updown_y_ms", "doc", ["worker"], buckets=(0.1, 1, 5, 10), registry=theirs)
    rng = random.Random(5)
    values = [0.1, 1.0, 5.0, 10.0, 0.0] + [rng.expovariate(0.3) for _ in range(200)]
    for start in range(0, len(values), 7):
        fast.labels("relay").observe_many(values[start : start + 7])
    for value in values:
        slow.labels("relay").observe(value)
    assert exposition(ours) == exposition(theirs)
