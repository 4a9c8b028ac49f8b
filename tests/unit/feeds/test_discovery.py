"""Slugs of the current and next windows from the clock, and which windows to fetch or report."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.clock import ManualClock
from common.series import INTERVAL_S, Series
from workers.discovery.core import Discovery, windows_at

from ._helpers import T_15M, record_for


def test_the_real_15m_window_slug_is_found_from_a_clock_inside_it():
    windows = windows_at(Series("btc", "15m"), (T_15M + 450) * 1000)

    assert [w.slug for w in windows] == ["btc-updown-15m-1767200400", "btc-updown-15m-1767201300"]
    assert (windows[0].start_ms, windows[0].end_ms) == (T_15M * 1000, (T_15M + 900) * 1000)


@pytest.mark.parametrize(
    ("interval", "now_ms", "current_start_s"),
    [
        ("15m", T_15M * 1000, T_15M),
        ("15m", T_15M * 1000 - 1, T_15M - 900),
        ("15m", (T_15M + 900) * 1000 - 1, T_15M),
        ("5m", T_15M * 1000 + 299_999, T_15M),
        ("5m", T_15M * 1000 + 300_000, T_15M + 300),
        ("1h", 1_767_200_400_000, 1_767_200_400),  # 17:00 UTC is also an hour boundary
        ("1h", 1_767_200_399_999, 1_767_196_800),
    ],
)
def test_the_current_window_switches_exactly_at_the_boundary(interval, now_ms, current_start_s):
    current, following = windows_at(Series("btc", interval), now_ms)

    assert current.slug == f"btc-updown-{interval}-{current_start_s}"
    assert following.start_s == current_start_s + INTERVAL_S[interval]


@given(
    st.sampled_from(["5m", "15m", "1h"]),
    st.integers(min_value=1_600_000_000_000, max_value=2_000_000_000_000),
)
def test_the_current_window_always_contains_the_clock_and_is_aligned(interval, now_ms):
    series = Series("eth", interval)

    current, following = windows_at(series, now_ms)

    assert current.start_ms <= now_ms < current.end_ms
    assert current.start_s % series.length_s == 0
    assert following.start_ms == current.end_ms
    assert current.slug == f"eth-updown-{interval}-{current.start_s}"


def test_an_unknown_interval_or_a_capitalised_asset_is_refused():
    with pytest.raises(ValueError):
        Series("btc", "2m")
    with pytest.raises(ValueError):
        Series("BTC", "15m")


def test_a_misaligned_window_start_has_no_slug():
    with pytest.raises(ValueError):
        Series("btc", "15m").slug(T_15M + 1)


def test_discovery_fetches_current_and_next_of_every_series_until_found():
    clock = ManualClock((T_15M + 10) * 1000)
    discovery = Discovery([Series("btc", "15m"), Series("btc", "5m")], clock)

    before = [w.slug for w in discovery.to_fetch()]
    discovery.on_record(record_for("btc-updown-15m-1767200400", T_15M, 900))
    after = [w.slug for w in discovery.to_fetch()]

    assert before == [
        "btc-updown-15m-1767200400",
        "btc-updown-15m-1767201300",
        "btc-updown-5m-1767200400",
        "btc-updown-5m-1767200700",
    ]
    assert after == before[1:]


def test_a_window_not_found_shortly_before_its_start_is_reported_missing():
    clock = ManualClock((T_15M + 10) * 1000)
    discovery = Discovery([Series("btc", "15m")], clock, missing_lead_ms=60_000)

    early = [w.slug for w in discovery.missing()]
    clock.advance((900 - 60 - 10) * 1000)
    late = [w.slug for w in discovery.missing()]

    assert early == ["btc-updown-15m-1767200400"]
    assert late == ["btc-updown-15m-1767200400", "btc-updown-15m-1767201300"]


def test_a_record_without_window_bounds_is_refused_by_discovery():
    discovery = Discovery([Series("btc", "15m")], ManualClock(T_15M * 1000))

    with pytest.raises(ValueError):
        discovery.on_record(record_for("btc-updown-15m-1767200400", T_15M, 900, window_start_ms=None))


def test_resolved_windows_are_pruned_after_the_keep_time():
    clock = ManualClock((T_15M + 10) * 1000)
    discovery = Discovery([Series("btc", "15m")], clock)
    discovery.on_record(record_for("btc-updown-15m-1767200400", T_15M, 900))
    clock.advance((900 + 120 - 10) * 1000)
    discovery.on_record(record_for("btc-updown-15m-1767200400", T_15M, 900, closed=True, winner_index=1))

    gone = discovery.prune(keep_after_end_ms=60_000)

    assert gone == ["btc-updown-15m-1767200400"]
    assert discovery.lifecycle.phase("btc-updown-15m-1767200400") is None
