"""The replay's plan: runs from traces, and which entries go in before each decision."""

from __future__ import annotations

from cli.replay_.plan import Feeder, batches, entry_clock_ms, runs_of, split_trigger
from common.schemas.trace import DecisionTrace
from workers.recorder.records import Record


def trace(seq: int, kind: str = "entry", run_ms: int = 1_000, **about: object) -> DecisionTrace:
    return DecisionTrace(stage="quoter", run_ms=run_ms, seq=seq, kind=kind, clock_ms=about.pop("clock_ms", 0),  # type: ignore[arg-type]
                         **about)  # type: ignore[arg-type]  # fmt: skip


def rec(stream: str, entry_id: str, event_ms: int = 0) -> Record:
    return Record(stream, entry_id, {b"event_ms": str(event_ms).encode()})


def test_traces_become_runs_with_their_start_marks_and_decisions_in_the_order_made() -> None:
    traces = [trace(3, clock_ms=30), trace(1, "start", trigger_stream="book.x", trigger_id="900-0"),
              trace(2, clock_ms=20), trace(1, run_ms=5_000, clock_ms=50)]  # fmt: skip

    runs = runs_of(traces)

    assert [r.run_ms for r in runs] == [1_000, 5_000]
    assert runs[0].start == {"book.x": "900-0"}
    assert [t.seq for t in runs[0].decisions] == [2, 3]


def test_the_feeder_hands_the_entries_in_the_order_the_stage_handled_them_across_streams() -> None:
    entries = [rec("book.x", "1000-0"), rec("signal.x", "1001-0"), rec("book.x", "1002-0"), rec("book.x", "1003-0"),
               rec("signal.x", "1004-0")]  # fmt: skip
    feeder = Feeder(iter(entries), start={})

    first = feeder.take(("book.x 1", "signal.x 2"))
    second = feeder.take(("book.x 2",))

    assert [(r.stream, r.id) for r in first] == [("book.x", "1000-0"), ("signal.x", "1001-0"), ("signal.x", "1004-0")]
    assert [r.id for r in second] == ["1002-0", "1003-0"]


def test_entries_before_a_streams_start_mark_are_never_handed_but_kept_for_the_state() -> None:
    entries = [rec("feeds", "900-0"), rec("feeds", "1100-0")]
    feeder = Feeder(iter(entries), start={"feeds": "1000-0"})

    assert [r.id for r in feeder.prime()] == ["900-0"]
    assert [r.id for r in feeder.take(("feeds 1",))] == ["1100-0"]


def test_entries_a_killed_run_left_pending_are_handed_again_by_the_next_run() -> None:
    entries = [rec("fills", "900-0"), rec("fills", "950-0"), rec("fills", "1100-0")]
    feeder = Feeder(iter(entries), start={"fills": "1000-0"}, pending={"fills": frozenset({"950-0"})})

    assert [r.id for r in feeder.prime()] == ["900-0"]
    assert [r.id for r in feeder.take(("fills 2",))] == ["950-0", "1100-0"]


def test_the_trigger_is_the_last_entry_of_its_decisions_order() -> None:
    entries = [rec("book.x", "1001-0"), rec("signal.x", "1000-0")]

    before, trigger = split_trigger(entries, trace(1, trigger_stream="signal.x", trigger_id="1000-0"))

    assert [r.id for r in before] == ["1001-0"] and trigger is not None and trigger.id == "1000-0"


def test_a_trigger_the_recording_lacks_is_no_trigger() -> None:
    entries = [rec("book.x", "1001-0")]

    before, trigger = split_trigger(entries, trace(1, trigger_stream="signal.x", trigger_id="1000-0"))

    assert trigger is None and [r.id for r in before] == ["1001-0"]


def test_entries_between_decisions_are_handled_no_earlier_than_written_nor_than_the_last_decision() -> None:
    assert entry_clock_ms(rec("book.x", "1000-0"), previous_ms=1_200) == 1_200
    assert entry_clock_ms(rec("book.x", "1300-0"), previous_ms=1_200) == 1_300


def test_on_the_event_clock_entries_are_handled_at_their_event_time_or_the_last_decisions() -> None:
    assert entry_clock_ms(rec("book.x", "9000-0", event_ms=1_300), previous_ms=1_200, event_clock=True) == 1_300
    assert entry_clock_ms(rec("ctl", "9000-0", event_ms=8_000), previous_ms=1_200, event_clock=True) == 1_200


def test_consecutive_entries_of_one_stream_go_in_one_batch() -> None:
    entries = [rec("a", "1-0"), rec("a", "2-0"), rec("b", "3-0"), rec("a", "4-0")]

    assert [[r.id for r in b] for b in batches(entries)] == [["1-0", "2-0"], ["3-0"], ["4-0"]]


def test_a_stage_on_an_event_clock_handled_each_entry_at_its_own_event_time_but_not_at_a_feeds_wall_stamp() -> None:
    tick = Record("ref.btc", "1796606847000-0", {b"type": b"ref.tick", b"event_ms": b"1796605020162"})
    status = Record("feeds", "1796606847001-0", {b"type": b"feed.status", b"event_ms": b"1796606847001"})
    assert entry_clock_ms(tick, 0, event_clock=True) == 1796605020162
    assert entry_clock_ms(tick, 1796605030000, event_clock=True) == 1796605020162  # its own, not the latest
    assert entry_clock_ms(status, 1796605020162, event_clock=True) == 1796605020162
