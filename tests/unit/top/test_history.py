"""The page's chart points, kept from one view to the next (pure)."""

from __future__ import annotations

import dataclasses

from common.top import history
from common.top.history import History
from common.top.view import DAY_MS, OutcomeRow, SeriesRow, View

START_MS = 10 * DAY_MS + 3_600_000


def _row(slug: str = "btc-updown-15m-1", start_ms: int = START_MS, *, up_ladder: tuple[tuple[str, int, int], ...] = (),
         down_ladder: tuple[tuple[str, int, int], ...] = ()) -> SeriesRow:  # fmt: skip
    return SeriesRow(series="btc-updown-15m", slug=slug, window_start_ms=start_ms, window_end_ms=start_ms + 900_000,
                     time_left_ms=0, fair_up_ppm=612_000, regime="NORMAL",
                     outcomes=(OutcomeRow("Up", 590_000, 610_000, up_ladder, 0),
                               OutcomeRow("Down", 380_000, None, down_ladder, 0)),
                     unpaired_micro=0, window_fills=0, window_pnl_micro=0)  # fmt: skip


def _view(now_ms: int, *rows: SeriesRow, day_pnl_micro: int = 0) -> View:
    return View(now_ms=now_ms, series=rows, trading_mode="ACTIVE", day_fills=0, day_pnl_micro=day_pnl_micro,
                feeds=(), workers=(), tick_to_order_p50_ms=None, tick_to_order_p99_ms=None, venue_heartbeat="ok",
                quarantined=(), alerts=())  # fmt: skip


def test_a_point_has_the_fair_value_the_up_mid_and_our_quotes_on_the_up_scale() -> None:
    row = _row(up_ladder=(("BUY", 570_000, 5), ("BUY", 580_000, 5)), down_ladder=(("BUY", 360_000, 5),))

    point = history.window_point(row, START_MS + 1_000)

    # our ask on Up: a bid on Down at 0.36 sells Up at 0.64 in effect
    assert point == [START_MS + 1_000, 612_000, 600_000, 580_000, 640_000]


def test_an_unknown_side_of_the_book_or_no_quote_is_a_gap_not_a_zero() -> None:
    row = dataclasses.replace(_row(), outcomes=(OutcomeRow("Up", 590_000, None, (), 0),), fair_up_ppm=None)

    assert history.window_point(row, START_MS) == [START_MS, None, None, None, None]


def test_each_view_adds_one_point_per_open_window_and_one_to_the_day() -> None:
    kept = History()
    upcoming = _row("btc-updown-15m-2", START_MS + 900_000)

    added = kept.add(_view(START_MS + 5_000, _row(), upcoming, day_pnl_micro=-250_000))
    kept.add(_view(START_MS + 6_000, _row(), upcoming, day_pnl_micro=100_000))

    assert list(added["windows"]) == ["btc-updown-15m-1"]  # type: ignore[call-overload]
    assert added["day"] == [START_MS + 5_000, -250_000]
    assert [p[0] for p in kept.windows["btc-updown-15m-1"]] == [START_MS + 5_000, START_MS + 6_000]
    assert kept.day == [[START_MS + 5_000, -250_000], [START_MS + 6_000, 100_000]]


def test_a_long_window_is_thinned_keeping_its_first_and_newest_points() -> None:
    kept = History()

    for i in range(history.WINDOW_POINTS_MAX + 1):
        kept.add(_view(START_MS + i, _row()))

    points = kept.windows["btc-updown-15m-1"]
    assert len(points) <= history.WINDOW_POINTS_MAX // 2 + 2
    assert points[-1][0] == START_MS + history.WINDOW_POINTS_MAX
    assert points[0][0] in (START_MS, START_MS + 1)
    assert [p[0] for p in points] == sorted(p[0] for p in points)


def test_only_the_newest_windows_are_kept() -> None:
    kept = History()

    for i in range(history.WINDOWS_KEPT + 3):
        start = START_MS + i * 900_000
        kept.add(_view(start + 1, _row(f"w{i}", start)))

    assert list(kept.windows) == [f"w{i}" for i in range(3, history.WINDOWS_KEPT + 3)]


def test_the_days_pnl_starts_again_at_utc_midnight() -> None:
    kept = History()
    midnight = 11 * DAY_MS

    kept.add(_view(midnight - 1_000, day_pnl_micro=5_000_000))
    kept.add(_view(midnight + 1_000, day_pnl_micro=0))

    assert kept.day == [[midnight + 1_000, 0]]
