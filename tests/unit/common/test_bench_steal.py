"""The benches' host-steal meter: stolen over (busy + stolen) between two reads of /proc/stat."""

from __future__ import annotations

import math
from pathlib import Path

from common.bench.stats import Steal


def _stat(path: Path, user: int, system: int, idle: int, steal: int) -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    path.write_text(f"cpu  {user} 0 {system} {idle} 7 0 0 {steal} 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")


def test_steal_is_a_share_of_the_time_wanted_not_of_idle_time(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    _stat(stat, user=1_000, system=500, idle=9_000, steal=100)
    meter = Steal(str(stat))
    _stat(stat, user=1_250, system=550, idle=19_000, steal=200)  # 300 busy, 100 stolen, 10,000 idle
    assert meter.share() == 0.25
    assert meter.line() == "host steal during the run: 25% of the CPU time this machine wanted"


def test_an_idle_interval_has_no_steal_and_no_stat_file_gives_nan(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    _stat(stat, user=10, system=10, idle=10, steal=0)
    assert Steal(str(stat)).share() == 0.0
    assert math.isnan(Steal(str(tmp_path / "missing")).share())
