"""The benches' host-steal meter: stolen over (busy + stolen) between two reads of /proc/stat."""

from __future__ import annotations

import math
from pathlib import Path

from bench.steal import Steal, StealTimeline


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


def test_a_sample_counts_as_quiet_only_if_every_slice_it_touches_was_quiet(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    timeline = StealTimeline(path=str(stat))
    # Slices [0, 250) quiet, [250, 500) 50% stolen, [500, 750) quiet.
    for at_ms, (user, steal) in zip((0.0, 250.0, 500.0, 750.0), ((100, 0), (200, 0), (300, 100), (400, 100)),
                                    strict=True):  # fmt: skip
        _stat(stat, user=user, system=0, idle=1_000, steal=steal)
        timeline.mark(at_ms)
    assert timeline.shares() == [0.0, 0.5, 0.0]
    assert timeline.quiet(10.0, 20.0)
    assert not timeline.quiet(240.0, 260.0)  # runs into the stolen slice
    assert timeline.quiet(600.0, 700.0)
    assert not timeline.quiet(-5.0, 10.0) and not timeline.quiet(700.0, 800.0)  # not wholly observed
    samples = [(10.0, 10.4), (20.0, 21.0), (300.0, 300.1), (600.0, 600.2)]
    line = timeline.quiet_line(samples)
    assert line.startswith("in the run's quiet slices (2 of 3 slices of 250 ms with host steal <= 1%; 3 of 4 samples)")
    assert line.endswith("p50 400 µs, p99 1000 µs, max 1000 µs")
