"""The replay's comparison: per decision, the recorded outputs' digests against the replayed bodies."""

from __future__ import annotations

from cli.replay_.compare import Tally, report
from common.bus.writer import Emit
from common.runner.tracing import digest
from common.schemas.heartbeat import Heartbeat
from common.schemas.trace import DecisionTrace

STREAM = "intent.btc-updown-60s"


def decided(*bodies: Heartbeat) -> DecisionTrace:
    return DecisionTrace(stage="quoter", run_ms=1, seq=1, kind="entry", clock_ms=5, trigger_stream="signal.x",
                         trigger_id="5-0", outputs=tuple(f"{STREAM} {digest(b)}" for b in bodies))  # fmt: skip


def test_the_same_bodies_on_the_same_stream_are_identical() -> None:
    tally = Tally("intent.")
    body = Heartbeat(seq=1, producer="q")

    tally.add(decided(body), [Emit(STREAM, body), Emit("alerts", Heartbeat(seq=9, producer="q"))])

    assert (tally.recorded, tally.identical, tally.extra, tally.first) == (1, 1, 0, None)
    assert report(tally, "intents") == ["replay: 1 of 1 intents identical"]


def test_a_different_body_is_the_first_difference_shown_in_full_with_the_fields_that_differ() -> None:
    recorded, replayed = Heartbeat(seq=1, producer="q"), Heartbeat(seq=2, producer="q")
    tally = Tally("intent.")
    tally.recorded_bodies[f"{STREAM} {digest(recorded)}"] = recorded

    tally.add(decided(recorded), [Emit(STREAM, replayed)])
    lines = report(tally, "intents")

    assert (tally.identical, tally.extra) == (0, 1)
    assert lines[0] == "replay: 0 of 1 intents identical, 1 more written by the replay"
    assert "first difference: decision 1 of run 1 at clock 5 (signal.x 5-0)" in lines[1]
    assert "fields that differ: seq" in lines[2]
    assert '"seq": 1' in "\n".join(lines) and '"seq": 2' in "\n".join(lines)


def test_only_the_series_asked_for_is_compared() -> None:
    tally = Tally("intent.")
    body = Heartbeat(seq=1, producer="q")

    tally.add(decided(body), [], series="eth-updown-60s")

    assert (tally.recorded, tally.first) == (0, None)
