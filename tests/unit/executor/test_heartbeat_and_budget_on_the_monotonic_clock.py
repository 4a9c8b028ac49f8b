"""A beat that is never answered cannot stop the chain; a wall clock that steps moves neither the
heartbeat nor the rate budget (they count on the monotonic clock); the step is noticed."""

from __future__ import annotations

from common.clock import ClockWatch, ManualClock
from tests.unit.executor.builders import DOWN, T0, intent, ladder, ready_core, submit_all
from workers.executor.core import ExecutorConfig, ExecutorCore, HeartbeatMachine

HOUR_MS = 3_600_000


def test_a_beat_whose_answer_never_comes_is_given_up_and_the_next_goes_out() -> None:
    cfg = ExecutorConfig()
    hb = HeartbeatMachine(cfg)
    hb.sending(T0)
    hb.on_ok("a", T0)

    hb.sending(T0 + 4_000)  # its task is cancelled, or its answer lost: nothing ever settles it

    assert not hb.due(T0 + 4_000 + cfg.heartbeat_answer_timeout_ms - 1)
    assert hb.due(T0 + 4_000 + cfg.heartbeat_answer_timeout_ms)
    assert hb.sending(T0 + 4_000 + cfg.heartbeat_answer_timeout_ms) == "a"


def test_an_abandoned_beat_makes_the_next_due_at_once() -> None:
    hb = HeartbeatMachine(ExecutorConfig())
    hb.sending(T0)
    hb.on_ok("a", T0)
    hb.sending(T0 + 4_000)

    hb.abandoned(T0 + 4_010)

    assert hb.due(T0 + 4_010) and not hb.in_flight


def test_a_late_answer_to_an_abandoned_beat_is_resynchronised_by_the_next() -> None:
    hb = HeartbeatMachine(ExecutorConfig())
    hb.sending(T0)
    hb.on_ok("a", T0)
    hb.sending(T0 + 4_000)
    hb.abandoned(T0 + 4_010)  # the venue took "a" meanwhile and now expects "b"

    sent = hb.sending(T0 + 4_020)
    hb.on_mismatch("b", T0 + 4_030)

    assert sent == "a" and hb.due(T0 + 4_030) and hb.sending(T0 + 4_030) == "b"


def monotonic_core(clock: ManualClock, config: ExecutorConfig | None = None) -> ExecutorCore:
    return ready_core(clock.now_ms(), config, monotonic_ms=clock.monotonic_ms)


def test_a_wall_clock_stepped_forward_does_not_make_the_heartbeat_late() -> None:
    clock = ManualClock(T0)
    core = monotonic_core(clock)

    clock.step(HOUR_MS)
    clock.advance(1_000)

    assert core.status(clock.now_ms()).heartbeat == "ok"
    assert core.can_place(clock.now_ms())
    assert not core.heartbeat.due(core.local_ms(clock.now_ms()))


def test_a_wall_clock_stepped_back_does_not_hold_the_next_beat_back() -> None:
    clock = ManualClock(T0)
    core = monotonic_core(clock)

    clock.step(-HOUR_MS)
    clock.advance(ExecutorConfig().heartbeat_interval_ms)

    assert core.heartbeat.due(core.local_ms(clock.now_ms()))


def test_a_wall_clock_stepped_forward_does_not_refill_the_order_budget() -> None:
    clock = ManualClock(T0)
    core = monotonic_core(clock, ExecutorConfig(order_burst=10, order_rate_per_s=10, rate_margin_ppm=1_000_000))
    first = core.on_intent(intent(*ladder(8), valid_ms=3 * HOUR_MS), clock.now_ms())
    assert len(submit_all(core, first.place_batches, clock.now_ms())) == 8

    clock.step(HOUR_MS)  # a budget counting on the wall clock would be full again
    wanted = intent(*ladder(8), *ladder(8, DOWN, 500_000), now_ms=clock.now_ms(), valid_ms=HOUR_MS)
    more = core.on_intent(wanted, clock.now_ms())

    assert sum(len(b) for b in more.place_batches) == 2


def test_a_wall_clock_stepped_back_does_not_hold_the_order_budget_empty() -> None:
    clock = ManualClock(T0)
    core = monotonic_core(clock, ExecutorConfig(order_burst=10, order_rate_per_s=10, rate_margin_ppm=1_000_000))
    first = core.on_intent(intent(*ladder(8), *ladder(8, DOWN, 500_000), valid_ms=HOUR_MS), clock.now_ms())
    assert len(submit_all(core, first.place_batches, clock.now_ms())) == 10

    clock.step(-HOUR_MS)  # a budget counting on the wall clock would stay empty for an hour
    clock.advance(500)  # half a second: five tokens back
    more = core.replan_all(clock.now_ms())

    assert sum(len(b) for b in more.place_batches) == 5


def test_a_clock_step_is_noticed_once_and_a_slow_drift_only_once_it_adds_up() -> None:
    clock = ManualClock(T0)
    watch = ClockWatch(clock, threshold_ms=1_000)

    clock.advance(60_000)
    steady = watch.step_ms()
    clock.step(-5_000)
    back = watch.step_ms()
    again = watch.step_ms()
    clock.step(600)
    small = watch.step_ms()
    clock.step(600)
    added_up = watch.step_ms()

    assert (steady, back, again, small, added_up) == (0, -5_000, 0, 0, 1_200)
