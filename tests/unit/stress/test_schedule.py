"""What a followed stage keeps to: a recording's decision traces as steps, and which recordings can
be followed at all (a recording without traces cannot: the stress run says so)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.stress.load import load_timeline
from bench.stress.outputs import recorded_outputs
from bench.stress.schedule import recorded_schedules, versus_recording
from common.runner.schedule import Entries, FollowMismatch, Source, steps_of
from common.schemas.trace import DecisionTrace

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "recording"


def trace(seq: int, kind: str, order: tuple[str, ...] = (), **about: str) -> DecisionTrace:
    return DecisionTrace(stage="alpha", run_ms=1, seq=seq, kind=kind, clock_ms=100 * seq, order=order,
                         **about)  # fmt: skip


def test_a_decisions_order_becomes_its_steps_the_trigger_last_at_the_decisions_time() -> None:
    steps = steps_of([
        trace(3, "source", ("ref.btc 1",), source="timer"),
        trace(1, "start", trigger_stream="markets"),
        trace(2, "entry", ("markets 5", "ref.btc 3"), trigger_stream="ref.btc"),
        trace(4, "entry", ("book.x 1",), trigger_stream="book.x"),
    ])  # fmt: skip
    assert steps == [Entries("markets", 5, 2), Entries("ref.btc", 2, 2), Entries("ref.btc", 1, 2, 200),
                     Entries("ref.btc", 1, 3), Source("timer", "", 3, 300),
                     Entries("book.x", 1, 4, 400)]  # fmt: skip


def test_a_trace_without_its_order_cannot_be_followed() -> None:
    with pytest.raises(FollowMismatch, match="decision 2 has no order ending with its trigger"):
        steps_of([trace(2, "entry", (), trigger_stream="ref.btc")])


def needs_fixture() -> None:
    if not any(FIXTURE.glob("*/*.jsonl.gz")):
        pytest.skip(f"no recording in {FIXTURE}: make it with `make fixture`")


def test_the_fixture_is_followed_up_to_the_played_part_and_an_imported_one_is_not(tmp_path: Path) -> None:
    needs_fixture()
    timeline = load_timeline(FIXTURE, seconds=10, follow=True)
    plan = recorded_schedules(FIXTURE, timeline)
    assert plan.followed and set(plan.fields) == {"alpha", "quoter"}
    whole = recorded_schedules(FIXTURE, load_timeline(FIXTURE, follow=True))
    assert 0 < len(plan.fields["alpha"]) < len(whole.fields["alpha"])  # cut where the played part ends
    # The intents the followed decisions wrote (by their traces): those the recording holds up to the
    # last of them (not the played part's last ms: a decision's script can cross into the next ms,
    # its intent before the cut and its trace after it, as in this fixture at 1796630663665).
    assert plan.last_decision_ms <= timeline[-1].recorded_ms
    assert plan.intents == len(recorded_outputs(FIXTURE, to_ms=plan.last_decision_ms + 1).intents) > 0
    # The same recording without its traces (as `updown record import` makes them).
    bare = tmp_path / "bare"
    shutil.copytree(FIXTURE, bare, ignore=shutil.ignore_patterns("trace.*"))
    plan = recorded_schedules(bare, load_timeline(bare, seconds=10, follow=True))
    assert not plan.followed
    assert "no decision traces of alpha" in plan.line() and "not compared with 1x" in plan.line()


def test_a_recording_played_from_past_the_stages_start_is_not_followed() -> None:
    needs_fixture()
    whole = load_timeline(FIXTURE, follow=True)
    later = load_timeline(FIXTURE, from_ms=whole[len(whole) // 2].recorded_ms, follow=True)
    plan = recorded_schedules(FIXTURE, later)
    assert not plan.followed and "before the played part (--from)" in plan.not_followed


def test_the_runs_intents_are_compared_with_those_the_recorded_decisions_wrote() -> None:
    recorded = [("a", '{"x": 1}'), ("b", '{"x": 2}')]
    assert versus_recording([*recorded, ("c", "{}")], recorded)[0]  # more after the schedule: theirs
    ok, line = versus_recording([("a", '{"x": 1}'), ("b", '{"x": 3}')], recorded)
    assert not ok and "#1: x: 2 -> 3" in line

