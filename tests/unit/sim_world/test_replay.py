"""Replaying a Chainlink price file: corrections, gaps, the mapping onto the clock, and looping."""

from __future__ import annotations

import gzip

from sim.world.config import E18, SeriesConfig, WorldConfig
from sim.world.feeds import Source
from sim.world.pricepath import ReplayPath, load_chainlink_file
from sim.world.world import World, replay_offset_s
from tests.shared_data import SHARED_DATA, needs_shared_data

HEADER = "feed_ts_ms,value,full_accuracy_value,server_ts_ms,recv_ms\n"


def _write(path, rows):
    with gzip.open(path, "wt") as fh:
        fh.write(HEADER)
        for feed_s, value_usd, recv_ms in rows:
            fh.write(f"{feed_s * 1000},{value_usd},{value_usd * E18},{feed_s * 1000 + 900},{recv_ms}\n")


def test_a_same_second_correction_is_won_by_the_later_receipt_whatever_the_row_order(tmp_path):
    path = tmp_path / "BTCUSD-prices-test.csv.gz"
    _write(path, [(100, 60_000, 100_500), (101, 60_010, 101_900), (101, 60_005, 101_400), (103, 60_020, 103_300)])

    reports = load_chainlink_file(path)

    assert reports == {100: 60_000 * E18, 101: 60_010 * E18, 103: 60_020 * E18}


def test_a_replay_keeps_feed_gaps_as_missing_reports_and_holds_the_true_price_through_them():
    path = ReplayPath({100: 1 * E18, 101: 2 * E18, 103: 4 * E18, 104: 5 * E18}, offset_s=1000, value_lag_ms=0)

    assert [path.report_at(s) for s in (1100, 1101, 1102, 1103)] == [E18, 2 * E18, None, 4 * E18]
    assert path.true_at(1_102_500) == 2 * E18


def test_past_its_end_a_replay_loops_rescaled_so_the_level_is_continuous():
    path = ReplayPath({0: 100 * E18, 1: 110 * E18, 2: 120 * E18}, offset_s=0, value_lag_ms=0)

    assert path.report_at(2) == 120 * E18
    assert path.report_at(3) == 120 * E18  # the second lap starts where the first ended
    assert path.report_at(5) == 144 * E18
    assert path.report_at(-1) == 100 * E18  # before the file: the previous lap, scaled down


def test_the_default_offset_is_whole_days_so_the_files_windows_line_up_with_the_clocks():
    first_file_s = 1_780_876_800
    offset = replay_offset_s(WorldConfig(), first_file_s, start_s=1_790_000_123)

    assert offset % 86_400 == 0
    assert first_file_s <= 1_790_000_123 - offset < first_file_s + 86_400


@needs_shared_data
def test_the_emulators_chainlink_feed_replays_the_file_values_at_their_seconds():
    file = SHARED_DATA / "chainlink" / "BTCUSD-prices-2026-07-24.csv.gz"
    reports = load_chainlink_file(file)
    start_s = min(reports) + 3600
    world = World(WorldConfig(series=(SeriesConfig("btc", 300),), price_file=file, replay_offset_s=0),
                  start_s * 1000)

    ticks = world.advance(start_s * 1000 + 30_000).ticks

    chainlink = [t for t in ticks if t.source is Source.CHAINLINK]
    assert len(chainlink) >= 25
    assert all(t.value_e18 == reports[t.timestamp_ms // 1000] for t in chainlink)
