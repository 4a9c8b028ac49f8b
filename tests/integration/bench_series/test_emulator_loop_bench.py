"""``updown bench series --emulator`` briefly: the emulator with its chain serves the client's order
batches and prints its loop's lag and the orders answered (no figure judged)."""

from __future__ import annotations

import re

import pytest

from bench.series_loop import loop_run

pytestmark = pytest.mark.integration


@pytest.mark.timeout(300)
async def test_the_emulator_loop_bench_prints_the_lag_and_the_orders_answered() -> None:
    line = await loop_run(3.0)

    found = re.search(r"p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms; (\d+) orders answered/s", line)
    assert found, line
    assert int(found.group(1)) > 0, line
