"""Rolling percentiles off log buckets: within 0.5% of the exact nearest-rank sample, over the
last ``window`` samples only, and never a sort of the window."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.latency import Rolling, Spans, histogram, percentile

LATENCIES_MS = st.floats(min_value=0.002, max_value=600_000, allow_nan=False, allow_infinity=False)


def close(got: float, exact: float) -> bool:
    return math.isclose(got, exact, rel_tol=0.005)


@given(st.lists(LATENCIES_MS, min_size=1, max_size=400), st.sampled_from([0.01, 0.5, 0.9, 0.99, 1.0]))
def test_a_percentile_is_within_half_a_percent_of_the_exact_one(values: list[float], q: float) -> None:
    rolling = Rolling(window=1_000)
    for v in values:
        rolling.add(v)

    (got,) = rolling.percentiles(q)

    assert close(got, percentile(sorted(values), q))


@given(st.lists(LATENCIES_MS, min_size=1, max_size=300), st.integers(1, 50))
def test_only_the_last_window_samples_count(values: list[float], window: int) -> None:
    rolling = Rolling(window=window)
    for v in values:
        rolling.add(v)

    p50, p99 = rolling.percentiles(0.5, 0.99)

    recent = sorted(values[-window:])
    assert len(rolling) == len(recent)
    assert close(p50, percentile(recent, 0.5)) and close(p99, percentile(recent, 0.99))


def test_no_samples_read_zero_and_sub_microsecond_ones_read_zero() -> None:
    rolling = Rolling(window=10)
    assert rolling.percentiles(0.5, 0.99) == [0.0, 0.0]

    rolling.add(0.0004)

    assert rolling.percentiles(0.5) == [0.0]


@given(st.lists(st.floats(min_value=0, max_value=600_000, allow_nan=False), max_size=300), st.integers(1, 100))
def test_a_batch_added_at_once_counts_as_its_values_added_one_by_one(values: list[float], window: int) -> None:
    one_by_one, at_once = Rolling(window=window), Rolling(window=window)
    for v in values:
        one_by_one.add(v)
    at_once.add_many(values)

    assert len(at_once) == len(one_by_one)
    assert at_once.percentiles(0.01, 0.5, 0.99, 1.0) == one_by_one.percentiles(0.01, 0.5, 0.99, 1.0)


def test_a_batchs_hop_is_observed_from_one_stamp_and_never_below_zero() -> None:
    spans = Spans("w", {"hop": histogram("test_batch_hop", "test")})
    spans.observe_since("hop", 100.0, [99.0, 98.0, 101.0])

    summary = spans.summary()
    assert summary["hop.count"] == "3"
    assert float(summary["hop.p99_ms"]) == pytest.approx(2.0, rel=0.005)
    assert float(spans.summary()["hop.p50_ms"]) == pytest.approx(1.0, rel=0.005)
