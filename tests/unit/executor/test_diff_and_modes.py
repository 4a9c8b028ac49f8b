"""The executor's diff: churn tolerance, batches, takers once, stale intents, HALTED and REDUCE_ONLY."""

from __future__ import annotations

from common.schemas.intent import ChurnTolerance
from workers.executor.core import ExecutorConfig, ExecutorCore, OrderState

from .builders import DOWN, OWNER, T0, TICK, UP, cancelled, desired, intent, ladder, ready_core, submit_all, taker


def test_a_fresh_ladder_of_twenty_orders_goes_out_in_batches_of_at_most_fifteen() -> None:
    core = ready_core()

    step = core.on_intent(intent(*ladder(10, UP), *ladder(10, DOWN, 500_000)), T0)

    assert [len(b) for b in step.place_batches] == [15, 5]
    assert all(s.post_only and s.order_type == "GTC" for b in step.place_batches for s in b)
    assert step.cancel_ids == []


def test_a_move_under_the_tolerance_keeps_the_live_order() -> None:
    core = ready_core()
    submit_all(core, core.on_intent(intent(desired(price=450_000)), T0).place_batches, T0)

    step = core.on_intent(intent(desired(price=460_000), now_ms=T0 + 10), T0 + 10)  # 1 tick < 2 ticks

    assert step.cancel_ids == [] and step.place_batches == []


def test_without_overlap_a_move_past_the_tolerance_cancels_first_and_places_once_the_cancel_is_confirmed() -> None:
    core = ready_core(config=ExecutorConfig(replace_overlap=False))
    [old] = submit_all(core, core.on_intent(intent(desired(price=450_000)), T0).place_batches, T0)
    moved = intent(desired(price=470_000), now_ms=T0 + 10)

    first = core.on_intent(moved, T0 + 10)
    core.on_cancel_result(cancelled(old), T0 + 12)
    second = core.replan_all(T0 + 12)

    assert first.cancel_ids == [old] and first.place_batches == []
    [[spec]] = second.place_batches
    assert spec.price_micro == 470_000 and spec.replace


def test_with_overlap_a_move_to_a_new_price_places_with_its_cancel_and_nothing_more_until_it_is_answered() -> None:
    core = ready_core()
    [old] = submit_all(core, core.on_intent(intent(desired(price=450_000)), T0).place_batches, T0)

    first = core.on_intent(intent(desired(price=470_000), now_ms=T0 + 10), T0 + 10)
    [[spec]] = first.place_batches
    assert first.cancel_ids == [old] and spec.price_micro == 470_000 and spec.replace
    [new] = submit_all(core, first.place_batches, T0 + 11)
    # Another move while the pair is in the slot: nothing until the old order's cancel is answered.
    again = core.on_intent(intent(desired(price=490_000), now_ms=T0 + 12), T0 + 12)
    assert again.cancel_ids == [] and again.place_batches == []
    core.on_cancel_result(cancelled(old), T0 + 13)
    after = core.replan_all(T0 + 13)
    assert after.cancel_ids == [new] and [s.price_micro for b in after.place_batches for s in b] == [490_000]


def test_with_overlap_a_successor_never_joins_an_order_of_ours_at_its_price() -> None:
    core = ready_core(config=ExecutorConfig(relevel=False))  # (with relevel the kept order moves instead)
    two = intent(desired(price=450_000, level=0), desired(price=440_000, level=1))
    old0, old1 = submit_all(core, core.on_intent(two, T0).place_batches, T0)
    # Level 0 moves onto level 1's price, which level 1 leaves: both wait for their cancels.
    step = core.on_intent(intent(desired(price=440_000, level=0), desired(price=420_000, level=1),
                                 now_ms=T0 + 10), T0 + 10)  # fmt: skip

    assert sorted(step.cancel_ids) == sorted([old0, old1])
    assert [(s.slot.level, s.price_micro) for b in step.place_batches for s in b] == [(1, 420_000)]


def test_a_size_change_at_the_same_price_waits_for_the_cancel_even_with_overlap() -> None:
    core = ready_core()
    [old] = submit_all(core, core.on_intent(intent(desired(size=10_000_000)), T0).place_batches, T0)

    step = core.on_intent(intent(desired(size=5_000_000), now_ms=T0 + 10), T0 + 10)

    assert step.cancel_ids == [old] and step.place_batches == []


def test_a_successor_does_not_go_when_the_budget_holds_back_its_cancel() -> None:
    core = ready_core(config=ExecutorConfig(cancel_burst=31, cancel_reserve=30))
    [old] = submit_all(core, core.on_intent(intent(desired(price=450_000)), T0).place_batches, T0)
    core.budget.spend_cancels(T0, 1)  # the one non-reserved cancel token is gone

    step = core.on_intent(intent(desired(price=470_000), now_ms=T0 + 10), T0 + 10)

    assert step.cancel_ids == [] and step.place_batches == []
    assert core.tracker.get(old) is not None


def test_a_partial_fill_is_topped_up_only_past_the_size_tolerance() -> None:
    core = ready_core()
    [oid] = submit_all(core, core.on_intent(intent(desired(size=10_000_000)), T0).place_batches, T0)
    order = core.tracker.get(oid)
    assert order is not None

    order.size_matched_micro = 1_000_000  # 10% gone: under the 20% tolerance
    small = core.on_intent(intent(desired(size=10_000_000), now_ms=T0 + 5), T0 + 5)
    order.size_matched_micro = 3_000_000  # 30% gone
    large = core.on_intent(intent(desired(size=10_000_000), now_ms=T0 + 6), T0 + 6)

    assert small.cancel_ids == []
    assert large.cancel_ids == [oid]


def test_replaces_are_limited_per_market_and_second_but_unwanted_orders_are_always_cancelled() -> None:
    core = ready_core()
    slow = ChurnTolerance(min_move_ticks=1, min_size_change_ppm=0, max_replaces_per_s=2)
    ids = submit_all(core, core.on_intent(intent(*ladder(4), churn=slow), T0).place_batches, T0)
    # Bids raised (not defensive: the limiter applies); level 3 no longer wanted.
    moved = tuple(desired(UP, 600_000 - i * TICK, level=i) for i in range(3))

    step = core.on_intent(intent(*moved, churn=slow, now_ms=T0 + 1), T0 + 1)

    assert ids[3] in step.cancel_ids
    assert len(step.cancel_ids) == 3  # the unwanted one and two replaces
    later = core.on_intent(intent(*moved, churn=slow, now_ms=T0 + 1_001), T0 + 1_001)
    assert len(later.cancel_ids) == 1


def test_taker_orders_go_out_once_per_intent_id() -> None:
    core = ready_core()
    with_taker = intent(takers=(taker(),), intent_id="same")

    first = core.on_intent(with_taker, T0)
    again = core.on_intent(with_taker, T0 + 1)

    [[spec]] = first.place_batches
    assert spec.order_type == "FOK" and not spec.post_only and spec.slot.taker_of == "same"
    assert again.place_batches == []


def test_an_intent_past_valid_until_is_dropped_and_counted() -> None:
    core = ready_core()

    step = core.on_intent(intent(*ladder(2), now_ms=T0, valid_ms=100), T0 + 101)

    assert step.place_batches == [] and core.intents_dropped == 1
    assert [r.kind for r in step.reports] == ["intent_dropped"]


def test_halted_cancels_everything_and_places_nothing_even_with_no_cancel_reserve_left() -> None:
    core = ready_core()
    ids = submit_all(core, core.on_intent(intent(*ladder(5)), T0).place_batches, T0)
    core.budget.cancels.tokens_milli = 6_000  # below the reserve: only urgent cancels may go

    step = core.set_mode("HALTED", T0 + 1)
    after = core.on_intent(intent(*ladder(5), takers=(taker(),), now_ms=T0 + 2), T0 + 2)

    assert sorted(step.cancel_ids) == sorted(ids)
    assert after.place_batches == [] and after.cancel_ids == []


def test_an_intent_that_says_halted_is_honoured_as_the_executor_mode() -> None:
    core = ready_core()
    ids = submit_all(core, core.on_intent(intent(*ladder(2)), T0).place_batches, T0)

    step = core.on_intent(intent(*ladder(2), mode="HALTED", now_ms=T0 + 1), T0 + 1)

    assert sorted(step.cancel_ids) == sorted(ids) and step.place_batches == []


def test_reduce_only_buys_only_the_short_outcome_up_to_the_unpaired_amount() -> None:
    core = ready_core(mode="REDUCE_ONLY")
    wanted = intent(desired(UP, size=5_000_000), desired(DOWN, 500_000, 5_000_000),
                    desired(DOWN, 490_000, 5_000_000, level=1), takers=(taker(kind="complete_set"),))  # fmt: skip

    step = core.on_intent(wanted, T0, excess_up_micro=7_000_000)  # 7 more Up than Down held
    unknown = ready_core(mode="REDUCE_ONLY").on_intent(wanted, T0, excess_up_micro=None)

    [[spec]] = step.place_batches
    assert spec.slot.token_id == DOWN and spec.slot.level == 0
    assert unknown.place_batches == []


def test_nothing_is_placed_before_the_heartbeat_is_armed_and_the_venue_reconciled() -> None:
    core = ExecutorCore(ExecutorConfig(), T0, owner=OWNER)

    before = core.on_intent(intent(*ladder(2)), T0)
    core.heartbeat.sending(T0)
    core.heartbeat.on_ok("hb", T0)
    still = core.replan_all(T0)
    reconciled = core.on_reconcile([], [], T0)

    assert before.place_batches == [] and still.place_batches == []
    assert sum(len(b) for b in reconciled.place_batches) == 2


def test_a_late_heartbeat_stops_placing_but_not_cancelling() -> None:
    core = ready_core()
    ids = submit_all(core, core.on_intent(intent(*ladder(2)), T0).place_batches, T0)

    step = core.on_intent(intent(desired(level=1, price=300_000), desired(DOWN, level=0), now_ms=T0 + 7_500),
                          T0 + 7_500)  # fmt: skip

    assert core.heartbeat.health(T0 + 7_500) == "late"
    assert ids[0] in step.cancel_ids and step.place_batches == []


def test_the_order_budget_holds_back_what_the_bucket_cannot_take_and_releases_it_as_it_refills() -> None:
    core = ready_core(config=ExecutorConfig(order_burst=10, order_rate_per_s=10, rate_margin_ppm=1_000_000))
    wanted = intent(*ladder(8), *ladder(8, DOWN, 500_000), valid_ms=10_000)

    now = core.on_intent(wanted, T0)
    submit_all(core, now.place_batches, T0)
    later = core.replan_all(T0 + 600)

    assert sum(len(b) for b in now.place_batches) == 10
    assert sum(len(b) for b in later.place_batches) == 6


def test_a_rejected_order_is_not_retried_for_the_same_intent() -> None:
    core = ready_core()
    wanted = intent(desired())
    submit_all(core, core.on_intent(wanted, T0).place_batches, T0, accept=False)

    again = core.replan_all(T0 + 1)
    fresh = core.on_intent(intent(desired(), now_ms=T0 + 2), T0 + 2)

    assert again.place_batches == []
    assert len(fresh.place_batches) == 1
    assert core.tracker.count(OrderState.REJECTED) == 1


def test_a_defensive_move_pulls_every_exposed_order_at_once_whatever_the_replace_limiter_says() -> None:
    """Bids repriced downward (a lead move against us) are cancelled in one step, all six, while
    the limiter lets five replaces a second through; only the sixth successor waits for its slot."""
    core = ready_core()
    churn = ChurnTolerance(min_move_ticks=1, min_size_change_ppm=200_000, max_replaces_per_s=5)
    live = submit_all(core, core.on_intent(intent(*ladder(6), churn=churn), T0).place_batches, T0)
    lower = tuple(desired(price=o.price_micro - 10 * TICK, level=o.level) for o in ladder(6))

    step = core.on_intent(intent(*lower, now_ms=T0 + 10, churn=churn), T0 + 10)

    assert sorted(step.cancel_ids) == sorted(live)
    placed = [s for b in step.place_batches for s in b]
    assert len(placed) == 5 and all(s.replace for s in placed)  # the five successors the limiter allows


def test_an_upward_reprice_is_not_defensive_and_waits_for_the_replace_limiter() -> None:
    core = ready_core(config=ExecutorConfig(relevel=False))  # every level replaced (relevel would keep four)
    churn = ChurnTolerance(min_move_ticks=1, min_size_change_ppm=200_000, max_replaces_per_s=5)
    live = submit_all(core, core.on_intent(intent(*ladder(6), churn=churn), T0).place_batches, T0)
    higher = tuple(desired(price=o.price_micro + 2 * TICK, level=o.level) for o in ladder(6))

    step = core.on_intent(intent(*higher, now_ms=T0 + 10, churn=churn), T0 + 10)

    assert len(step.cancel_ids) == 5 and set(step.cancel_ids) < set(live)
