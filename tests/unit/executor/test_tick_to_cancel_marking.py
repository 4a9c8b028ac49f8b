"""The executor core marks the cancels a fair-value move exposed, with the move's receive stamp."""

from __future__ import annotations

from tests.unit.executor.builders import CHURN, T0, TICK, desired, intent, ladder, ready_core, submit_all


def test_a_fair_move_intent_marks_every_exposed_order_it_cancels_with_the_frame_stamp() -> None:
    core = ready_core()
    live = submit_all(core, core.on_intent(intent(*ladder(3)), T0).place_batches, T0)
    lower = tuple(desired(price=o.price_micro - 2 * TICK, level=o.level) for o in ladder(3))
    moved = intent(*lower, now_ms=T0 + 10).model_copy(update={"fair_move": True})

    step = core.on_intent(moved, T0 + 10, tick_ms=T0 + 7.25)

    assert sorted(step.cancel_ids) == sorted(live)
    assert step.cancel_moves == dict.fromkeys(live, T0 + 7.25)


def test_an_order_no_longer_wanted_after_a_move_is_marked_as_exposed() -> None:
    core = ready_core()
    live = submit_all(core, core.on_intent(intent(*ladder(2)), T0).place_batches, T0)
    moved = intent(*ladder(1), now_ms=T0 + 10).model_copy(update={"fair_move": True})

    step = core.on_intent(moved, T0 + 10, tick_ms=T0 + 5.0)

    assert step.cancel_moves == {live[1]: T0 + 5.0}


def test_the_same_cancels_without_a_fair_move_are_not_marked() -> None:
    core = ready_core()
    submit_all(core, core.on_intent(intent(*ladder(3)), T0).place_batches, T0)
    lower = tuple(desired(price=o.price_micro - 2 * TICK, level=o.level) for o in ladder(3))

    step = core.on_intent(intent(*lower, now_ms=T0 + 10), T0 + 10, tick_ms=T0 + 7.0)

    assert len(step.cancel_ids) == 3 and step.cancel_moves == {}


def test_a_replace_of_an_order_the_move_left_behind_is_not_a_defensive_cancel() -> None:
    """Bids raised after a move are not exposed (they ask less of a taker): not timed as cancels."""
    core = ready_core()
    submit_all(core, core.on_intent(intent(*ladder(3)), T0).place_batches, T0)
    higher = tuple(desired(price=o.price_micro + CHURN.min_move_ticks * TICK, level=o.level) for o in ladder(3))
    moved = intent(*higher, now_ms=T0 + 10).model_copy(update={"fair_move": True})

    step = core.on_intent(moved, T0 + 10, tick_ms=T0 + 7.0)

    assert len(step.cancel_ids) == 3 and step.cancel_moves == {}


def test_cancels_of_a_fair_move_intent_gone_stale_are_not_the_move_s() -> None:
    """The orders pulled because the intent expired wait on no frame: timing them from the move's
    frame would count the intent's life as cancel latency."""
    core = ready_core()
    moved = intent(*ladder(2), valid_ms=1_000).model_copy(update={"fair_move": True})
    submit_all(core, core.on_intent(moved, T0, tick_ms=T0 - 3.0).place_batches, T0)

    step = core.replan_all(T0 + 1_000 + core.cfg.stale_intent_cancel_ms + 1)

    assert len(step.cancel_ids) == 2 and step.cancel_moves == {}
