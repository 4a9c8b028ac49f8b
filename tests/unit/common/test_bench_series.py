"""``updown bench series``'s pieces that need no bot: the series it takes, the pids it reads from
supervisord, and the table it prints."""

from __future__ import annotations

import math

from bench.series import ALL_SERIES, CORE_LIMIT, table
from bench.series_run import running_pids

STATUS = """discovery                        RUNNING   pid 101, uptime 0:00:12
executor                         RUNNING   pid 102, uptime 0:00:12
fatal-alert                      RUNNING   pid 103, uptime 0:00:12
quoter:quoter-0                  RUNNING   pid 104, uptime 0:00:12
rewards                          STARTING
"""


def test_twelve_series_four_assets_in_three_window_lengths_the_five_minute_ones_first() -> None:
    assert len(ALL_SERIES) == len(set(ALL_SERIES)) == 12
    assert ALL_SERIES[:4] == ("btc-5m", "eth-5m", "sol-5m", "xrp-5m")
    assert {s.split("-")[1] for s in ALL_SERIES} == {"5m", "15m", "1h"}


def test_the_pids_of_running_stages_only() -> None:
    assert running_pids(STATUS) == {"discovery": 101, "executor": 102, "quoter:quoter-0": 104}


def test_the_table_has_a_column_per_count_and_names_a_stage_over_the_limit() -> None:
    run = {"cpu_share": {"executor": 0.2, "sim": CORE_LIMIT + 0.1, "redis": 0.05}, "redis_used_memory": 3 * 2**20,
           "latency": {"tick_to_order": {"count": 500.0, "p50_ms": 4.0, "p99_ms": 25.0}}, "restarted": [],
           "interval_s": 60.0, "steal": 0.0}
    lines = table({1: run, 4: {**run, "cpu_share": {"executor": 0.4, "sim": 0.5, "redis": 0.1}}})
    text = "\n".join(lines)

    assert lines[0].split()[1:] == ["1", "4"]
    assert "20.0% (20.0%)" in text and "40.0% (10.0%)" in text  # share of a core, then per series
    assert any(line.startswith("stages > 70% of a core") and "sim" in line and line.endswith("none") for line in lines)
    assert "3.0" in next(line for line in lines if line.startswith("redis used memory MB"))
    assert "4.00 / 25.00" in next(line for line in lines if line.startswith("tick_to_order p50 / p99 ms"))
    assert not math.isnan(run["interval_s"])
