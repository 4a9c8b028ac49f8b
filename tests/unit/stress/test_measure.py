"""The stress run's figures: per-stage latency from the envelope stamps, invariants, saturation."""

from __future__ import annotations

from bench.stress.measure import (
    Figures,
    Stamp,
    bottleneck,
    first_difference,
    invariants,
    stage_latencies,
    table,
    verdict,
    versus_1x,
)


def test_each_stage_is_timed_from_the_stamps_its_input_carried() -> None:
    book = [Stamp(500, 1000.0, 1001.0), Stamp(500, 1000.0, 1002.0)]  # one frame, two events
    ref = [Stamp(600, 1100.0, 1100.5)]
    signals = [Stamp(600, 1100.0, 1103.5), Stamp(0, 1500.0, 1500.2)]  # a tick's, then a timer's
    intents = [Stamp(600, 1100.0, 1104.5), Stamp(500, 1000.0, 1010.0)]  # from the signal; from the book
    got = stage_latencies(book, ref, signals, intents)
    assert got["feed-book"] == [1.0, 2.0]
    assert got["feed-ref"] == [0.5]
    assert got["alpha"] == [3.0]  # the timer's signal has no upstream entry
    assert got["quoter"] == [1.0, 8.0]  # after the signal; after the frame's last event
    assert got["tick->intent"] == [4.5, 10.0]


def figures(speed: float, intents: list[tuple[str, str]], rss_end: float = 60.0, elapsed_s: float = 10.0,
            lag_ms: int = 5, quoter_ms: float = 1.0) -> Figures:
    return Figures(speed=speed, items=100, span_s=10.0 * speed, elapsed_s=elapsed_s, max_behind_s=0.0,
                   latencies={"feed-book": [1.0], "quoter": [quoter_ms]}, max_lag_entries=1, max_lag_ms=lag_ms,
                   max_lag_at="alpha on book.x", redis_start_mib=2.0, redis_end_mib=3.0,
                   rss_start_mib={"alpha": 50.0}, rss_end_mib={"alpha": rss_end}, cpu_s={"alpha": 1.0},
                   outputs={"book": 10, "ref": 5, "intent": len(intents)}, intents=intents)


def test_intents_that_differ_from_the_1x_run_are_shown_and_break_the_strict_invariant() -> None:
    one = figures(1, [("a", '{"x": 1}'), ("b", '{"x": 2, "y": 0}')])
    same = figures(5, [("a", '{"x": 1}'), ("b", '{"x": 2, "y": 0}')])
    raced = figures(5, [("a", '{"x": 1}'), ("c", '{"x": 3, "y": 0}')])
    assert invariants(one, one, strict=True) == []
    assert invariants(same, one, strict=True) == []
    assert invariants(raced, one) == []  # an order race: shown, not a breach unless strict
    assert versus_1x(same, one) == "all 2 intents identical to the 1x run's"
    shown = versus_1x(raced, one)
    assert shown.startswith("intents against the 1x run's: 1 of 2 the same decision")
    assert "1 of 2 identical; the first that differs, #1: x: 2 -> 3" in shown
    problems = invariants(raced, one, strict=True)
    assert len(problems) == 1 and "1 of 2 identical; the first that differs, #1: x: 2 -> 3" in problems[0]
    # Following: only the intents of the recorded decisions must be the 1x run's (after them, a race).
    assert invariants(raced, one, strict=True, upto=1) == []
    longer = first_difference([("a", "x")], [("a", "x"), ("b", "y")])
    assert longer == "2 intents where the 1x run wrote 1 (1 identical)"
    one.intents[1] = ("b", '{"intent_id": "b", "x": 2, "y": 0}')
    renamed = figures(5, [("a", '{"x": 1}'), ("z", '{"intent_id": "z", "x": 2, "y": 0}')])
    assert versus_1x(renamed, one).startswith("intents against the 1x run's: 2 of 2 the same decision")


def test_feed_events_that_differ_in_content_from_the_1x_run_are_a_breach() -> None:
    one, five = figures(1, []), figures(5, [])
    one.feeds, five.feeds = {"book": "aa", "ref": "bb"}, {"book": "aa", "ref": "cc"}
    assert invariants(five, one) == ["ref events differ in content or order from the 1x run's"]


def test_a_stage_whose_memory_keeps_growing_is_not_bounded() -> None:
    grown = figures(1, [], rss_end=500.0)
    problems = invariants(grown, None)
    assert problems and "alpha grew 450 MiB" in problems[0]
    assert any(line.startswith("    1x      no ") for line in table([grown]))
    assert any(line.startswith("    1x     yes ") for line in table([figures(1, [])]))


def test_a_speed_saturates_when_the_pace_is_not_kept_or_a_group_falls_behind_and_names_the_slowest_stage() -> None:
    calm = figures(1, [], elapsed_s=10.0)
    behind = figures(50, [], elapsed_s=2.0, lag_ms=3_000, quoter_ms=900.0)  # 0.2 s asked, 2 s taken
    assert not calm.saturated and behind.saturated
    assert bottleneck(behind) == "quoter"
    lines = verdict([calm, behind])
    assert lines[-1].startswith("saturates at 50x") and lines[-1].endswith("the bottleneck is quoter")
