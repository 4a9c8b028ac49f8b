"""The window lifecycle: discovered → open → closing → closed → resolved, forward only."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from common.schemas.market import PHASES, MarketResolved
from workers.discovery.lifecycle import Lifecycle

from ._helpers import T_15M, record_for

SLUG = "btc-updown-15m-1767200400"
START_MS = T_15M * 1000
END_MS = START_MS + 900_000


def phases(events):
    return [(e.phase, e.cause) for e in events]


def resolved_notice(winner="22", outcome="Down"):
    return MarketResolved(
        market=f"0x{T_15M:x}",
        asset_ids=("11", "22"),
        winning_asset_id=winner,
        winning_outcome=outcome,
        venue_ts_ms=END_MS + 60_000,
        recv_ts_ms=END_MS + 60_001,
    )


def test_a_window_found_ahead_goes_through_every_phase_by_the_clock():
    lifecycle = Lifecycle(closing_lead_ms=60_000)
    record = record_for(SLUG, T_15M, 900)

    first = lifecycle.on_record(record, START_MS - 3_600_000)
    at_start = lifecycle.on_clock(START_MS)
    before_closing = lifecycle.on_clock(END_MS - 60_001)
    closing = lifecycle.on_clock(END_MS - 60_000)
    closed = lifecycle.on_clock(END_MS)

    assert phases(first) == [("discovered", "gamma")]
    assert phases(at_start) == [("open", "clock")]
    assert before_closing == []
    assert phases(closing) == [("closing", "clock")]
    assert phases(closed) == [("closed", "clock")]
    assert closed[0].at_ms == END_MS


def test_the_websocket_resolution_names_the_winner_by_its_token():
    lifecycle = Lifecycle()
    lifecycle.on_record(record_for(SLUG, T_15M, 900), END_MS)

    (event,) = lifecycle.on_ws_resolved(resolved_notice(), END_MS + 60_001)

    assert (event.phase, event.cause) == ("resolved", "ws")
    assert (event.winner_index, event.winning_asset_id, event.winning_outcome) == (1, "22", "Down")


def test_a_resolution_before_the_clock_closed_the_window_emits_closed_first():
    lifecycle = Lifecycle()
    lifecycle.on_record(record_for(SLUG, T_15M, 900), START_MS + 1)

    events = lifecycle.on_ws_resolved(resolved_notice(), END_MS - 1)

    assert phases(events) == [("closed", "ws"), ("resolved", "ws")]


def test_a_window_first_seen_after_its_end_never_shows_open():
    lifecycle = Lifecycle()

    events = lifecycle.on_record(record_for(SLUG, T_15M, 900), END_MS + 5_000)

    assert phases(events) == [("discovered", "gamma"), ("closed", "clock")]


def test_gammas_payout_on_a_closed_market_resolves_it_with_the_winner():
    lifecycle = Lifecycle()
    lifecycle.on_record(record_for(SLUG, T_15M, 900), END_MS)

    events = lifecycle.on_record(record_for(SLUG, T_15M, 900, closed=True, winner_index=0), END_MS + 70_000)

    assert phases(events) == [("resolved", "gamma")]
    assert (events[0].winner_index, events[0].winning_asset_id, events[0].winning_outcome) == (0, "11", "Up")


def test_a_notice_for_a_market_we_do_not_track_is_ignored():
    lifecycle = Lifecycle()

    assert lifecycle.on_ws_resolved(resolved_notice(), END_MS) == []


def test_a_repeated_resolution_emits_nothing_more():
    lifecycle = Lifecycle()
    lifecycle.on_record(record_for(SLUG, T_15M, 900), END_MS)
    lifecycle.on_ws_resolved(resolved_notice(), END_MS + 1)

    assert lifecycle.on_ws_resolved(resolved_notice(), END_MS + 2) == []
    assert lifecycle.on_clock(END_MS + 3) == []


@given(st.lists(st.integers(min_value=START_MS - 100_000, max_value=END_MS + 100_000), max_size=30))
def test_phases_never_go_backwards_whatever_the_order_of_clock_readings(readings):
    lifecycle = Lifecycle()
    lifecycle.on_record(record_for(SLUG, T_15M, 900), START_MS - 200_000)
    seen = ["discovered"]

    for now_ms in readings:
        seen += [event.phase for event in lifecycle.on_clock(now_ms)]

    ranks = [PHASES.index(phase) for phase in seen]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
