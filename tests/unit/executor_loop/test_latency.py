"""The latency summary: nearest-rank percentiles over the recent samples, written to one hash."""

from __future__ import annotations

import math

import fakeredis
from hypothesis import given
from hypothesis import strategies as st

from workers.executor.latency import LATENCY_KEY, Latency, percentile


@given(st.lists(st.floats(min_value=0, max_value=5_000, allow_nan=False), min_size=1, max_size=200))
def test_a_percentile_is_one_of_the_samples_and_p50_never_exceeds_p99(values: list[float]) -> None:
    ordered = sorted(values)
    p50, p99 = percentile(ordered, 0.5), percentile(ordered, 0.99)
    assert p50 in ordered and p99 in ordered
    assert p50 <= p99 <= ordered[-1]


def test_the_p99_of_a_hundred_samples_is_the_99th() -> None:
    assert percentile([float(i) for i in range(1, 101)], 0.99) == 99.0
    assert percentile([float(i) for i in range(1, 101)], 0.5) == 50.0


async def test_the_summary_counts_every_span_and_lands_in_state_latency() -> None:
    latency = Latency("executor-test", window=10)
    redis = fakeredis.aioredis.FakeRedis()
    latency.decision(event_ms=1_000, emit_ms=1_002)
    for i in range(30):
        latency.order(tick_ms=1_000, sent_ms=1_000 + i)
    latency.ack(tick_ms=None, ack_ms=5.0)  # an intent without a feed event behind it: not counted

    await latency.write(redis)

    got = {k.decode(): v.decode() for k, v in (await redis.hgetall(LATENCY_KEY)).items()}
    # The rolling figures are read off 1%-wide buckets: within 0.5% of the sample.
    assert got["tick_to_decision.count"] == "1" and math.isclose(float(got["tick_to_decision.p50_ms"]), 2.0,
                                                                  rel_tol=0.005)  # fmt: skip
    assert got["tick_to_order.count"] == "30"
    assert math.isclose(float(got["tick_to_order.p99_ms"]), 29.0, rel_tol=0.005)  # over the last 10 samples only
    assert math.isclose(float(got["tick_to_order.p50_ms"]), 24.0, rel_tol=0.005)
    assert not any(k.startswith("tick_to_ack.") for k in got)  # never observed: left out, not shown as 0 ms
