"""A shifted ladder keeps its orders still at a wanted price, at their new level (``core.relevel``)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from common.schemas.intent import ChurnTolerance
from workers.executor.core import ExecutorConfig, OrderState

from .builders import DOWN, T0, TICK, UP, ack, cancelled, intent, ladder, ready_core, submit_all

#: Replace a level as soon as it is one tick off (the quoter's default churn is looser).
TIGHT = ChurnTolerance(min_move_ticks=1, min_size_change_ppm=200_000, max_replaces_per_s=100)


def placed(step: object) -> list[tuple[str, int, int]]:
    return [(s.slot.token_id, s.slot.level, s.price_micro) for b in step.place_batches for s in b]  # type: ignore[attr-defined]


def test_a_one_tick_shift_is_one_replace_a_side_and_the_other_orders_stay_on_the_book() -> None:
    core = ready_core(config=ExecutorConfig(relevel=True))
    first = ladder(5, UP, 450_000) + ladder(5, DOWN, 500_000)
    ids = submit_all(core, core.on_intent(intent(*first, churn=TIGHT), T0).place_batches, T0)
    up = dict(zip(range(5), ids[:5], strict=True))

    shifted = ladder(5, UP, 460_000) + ladder(5, DOWN, 490_000)  # Up a tick up, Down a tick down
    step = core.on_intent(intent(*shifted, now_ms=T0 + 10, churn=TIGHT), T0 + 10)

    # Up: the order at 0.41 (no longer wanted) takes level 0's slot, where 0.46 replaces it; the
    # four others keep their prices one level deeper. Down: the old best (0.50, now above the
    # desired best bid) takes the deepest slot, pulled at once, and 0.45 goes there.
    assert sorted(step.cancel_ids) == sorted([up[4], ids[5]])
    assert sorted(placed(step)) == [(UP, 0, 460_000), (DOWN, 4, 450_000)]
    for level in range(4):
        order = core.tracker.get(up[level])
        assert order is not None and order.state is OrderState.LIVE and order.slot.level == level + 1


def test_without_relevel_the_same_shift_replaces_every_level() -> None:
    core = ready_core(config=ExecutorConfig(relevel=False))
    submit_all(core, core.on_intent(intent(*ladder(5, UP, 450_000), churn=TIGHT), T0).place_batches, T0)
    step = core.on_intent(intent(*ladder(5, UP, 460_000), now_ms=T0 + 10, churn=TIGHT), T0 + 10)
    assert len(step.cancel_ids) == 5


def test_a_side_with_an_order_in_doubt_is_planned_slot_by_slot() -> None:
    core = ready_core(config=ExecutorConfig(relevel=True))
    batches = core.on_intent(intent(*ladder(3, UP, 450_000)), T0).place_batches
    for spec in batches[0][:2]:  # two acknowledged, the third still submitting
        core.record_submitting(spec, f"o{spec.slot.level}", T0)
    core.record_submitting(batches[0][2], "o2", T0)
    core.on_post_results([ack("o0"), ack("o1")], T0)
    core.on_intent(intent(*ladder(3, UP, 460_000), now_ms=T0 + 10), T0 + 10)
    assert [core.tracker.get(f"o{i}").slot.level for i in range(3)] == [0, 1, 2]  # type: ignore[union-attr]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 3), st.integers(1, 6)), min_size=1, max_size=12))
def test_never_two_orders_in_a_slot_nor_two_at_one_price(moves: list[tuple[int, int]]) -> None:
    core = ready_core(config=ExecutorConfig(relevel=True))
    base, now = 450_000, T0
    for shift, levels in moves:
        now += 10
        base = min(900_000, max(100_000, base + shift * TICK))
        step = core.on_intent(intent(*ladder(levels, UP, base), now_ms=now, churn=TIGHT), now)
        submit_all(core, step.place_batches, now)
        live = [o for o in core.tracker if o.maybe_live]
        slots = [o.slot for o in live]
        prices = [o.price_micro for o in live if o.state is not OrderState.CANCELING]
        assert len(set(slots)) == len(slots) or any(o.state is OrderState.CANCELING for o in live)
        assert len(set(prices)) == len(prices)
        core.on_cancel_result(cancelled(*step.cancel_ids), now)
