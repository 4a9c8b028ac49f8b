"""Order tracking through ambiguous answers, and reconciliation against venue snapshots."""

from __future__ import annotations

from common.errors import UnknownOutcome, VenueBusy
from common.schemas.user import MakerOrderFill, UserTrade
from workers.executor.core import ExecutorConfig, OrderState

from .builders import MARKET, OWNER, T0, UP, ack, cancelled, desired, intent, order_event, ready_core, submit_all


def _unknown_order(core):  # type: ignore[no-untyped-def]
    [[spec]] = core.on_intent(intent(desired(), valid_ms=60_000), T0).place_batches
    core.record_submitting(spec, "0xabc", T0)
    reports = core.on_post_error(["0xabc"], UnknownOutcome("read timeout"), T0 + 5_000)
    return spec, reports


def test_a_lost_answer_leaves_the_order_unknown_and_its_slot_taken() -> None:
    core = ready_core()
    _, reports = _unknown_order(core)

    step = core.replan_all(T0 + 5_001)

    assert [r.kind for r in reports] == ["unknown"]
    assert core.tracker.get("0xabc").state is OrderState.UNKNOWN  # type: ignore[union-attr]
    assert step.place_batches == []  # never a second order while the first may rest


def test_the_feed_placement_event_resolves_an_unknown_order_as_live() -> None:
    core = ready_core()
    _unknown_order(core)

    step = core.on_order_event(order_event("0xabc"), T0 + 5_100)

    assert [r.kind for r in step.reports] == ["resolved"]
    assert core.tracker.get("0xabc").state is OrderState.LIVE  # type: ignore[union-attr]


def test_a_snapshot_after_the_grace_without_the_order_frees_the_slot_for_a_fresh_one() -> None:
    core = ready_core()
    _unknown_order(core)

    too_early = core.on_reconcile([], [], T0 + 2_000)
    settled = core.on_reconcile([], [], T0 + 3_500)

    assert too_early.place_batches == []
    assert core.tracker.get("0xabc").state is OrderState.NOT_FOUND  # type: ignore[union-attr]
    assert [len(b) for b in settled.place_batches] == [1]


def test_a_snapshot_showing_the_unknown_order_adopts_it() -> None:
    core = ready_core()
    _unknown_order(core)

    step = core.on_reconcile([order_event("0xabc")], [], T0 + 5_100)

    assert core.tracker.get("0xabc").state is OrderState.LIVE  # type: ignore[union-attr]
    assert step.place_batches == [] and step.cancel_ids == []


def test_a_refused_batch_frees_its_slots_at_once() -> None:
    core = ready_core()
    [[spec]] = core.on_intent(intent(desired()), T0).place_batches
    core.record_submitting(spec, "0xdef", T0)

    core.on_post_error(["0xdef"], VenueBusy(425, "engine restarting"), T0 + 1)

    assert core.tracker.get("0xdef").state is OrderState.NOT_SENT  # type: ignore[union-attr]
    assert core.tracker.in_slot(spec.slot) == []


def test_an_open_order_we_do_not_know_is_cancelled_as_a_stray() -> None:
    core = ready_core()

    step = core.on_reconcile([order_event("0xstray")], [], T0 + 1)

    assert step.cancel_ids == ["0xstray"]
    assert [r.kind for r in step.reports] == ["stray_cancelled"]


def test_a_live_order_gone_from_the_venue_is_marked_filled_when_a_trade_names_it() -> None:
    core = ready_core()
    filled, gone = submit_all(core, core.on_intent(intent(desired(), desired(level=1, price=440_000)), T0)
                              .place_batches, T0)  # fmt: skip
    trade = UserTrade(trade_id="t1", status="MATCHED", market=MARKET, asset_id=UP, side="SELL", price_micro=450_000,
                      size_micro=10_000_000, taker_order_id="0xtaker", trader_side="MAKER", recv_ts_ms=T0,
                      match_time_ms=T0 + 1,
                      maker_orders=(MakerOrderFill(order_id=filled, owner=OWNER, asset_id=UP, side="BUY",
                                                   price_micro=450_000, matched_size_micro=10_000_000),))  # fmt: skip

    core.on_reconcile([], [trade], T0 + 10)

    assert core.tracker.get(filled).state is OrderState.FILLED  # type: ignore[union-attr]
    assert core.tracker.get(gone).state is OrderState.CANCELED  # type: ignore[union-attr]


def test_an_order_we_ended_but_the_venue_shows_open_quarantines_the_market_until_a_clean_snapshot() -> None:
    core = ready_core()
    [oid] = submit_all(core, core.on_intent(intent(desired(), valid_ms=60_000), T0).place_batches, T0)
    core.on_cancel_result(cancelled(oid), T0 + 1)

    step = core.on_reconcile([order_event(oid)], [], T0 + 2)
    blocked = core.replan_all(T0 + 3)
    clean = core.on_reconcile([], [], T0 + 4)

    assert step.cancel_markets == [MARKET] and [r.kind for r in step.reports] == ["quarantined"]
    assert blocked.place_batches == []
    assert MARKET not in core.quarantined and len(clean.place_batches) == 1


def test_a_not_canceled_answer_for_an_unknown_order_keeps_it_unknown() -> None:
    core = ready_core()
    _unknown_order(core)
    core.set_mode("HALTED", T0 + 5_001)

    core.on_cancel_result(cancelled(missing=("0xabc",)), T0 + 5_002)

    assert core.tracker.get("0xabc").state is OrderState.UNKNOWN  # type: ignore[union-attr]


def test_a_graceful_stop_cancels_every_market_with_an_order_of_ours() -> None:
    core = ready_core()
    submit_all(core, core.on_intent(intent(desired()), T0).place_batches, T0)

    step = core.shutdown(T0 + 1)

    assert step.cancel_markets == [MARKET] and core.mode == "HALTED"


def test_a_cancel_refused_by_a_429_is_planned_again_and_pauses_the_cancel_bucket() -> None:
    from common.errors import RateLimited

    core = ready_core()
    [oid] = submit_all(core, core.on_intent(intent(desired(), valid_ms=60_000), T0).place_batches, T0)
    first = core.set_mode("HALTED", T0 + 1)

    core.on_cancel_error(first.cancel_ids, RateLimited(429, "Too Many Requests", retry_after_s=1), T0 + 2)
    paused = core.replan_all(T0 + 500)
    again = core.replan_all(T0 + 1_100)

    assert first.cancel_ids == [oid] and paused.cancel_ids == []
    assert again.cancel_ids == [oid]


def test_a_429_on_a_post_frees_the_slots_and_holds_new_orders_until_the_retry_time() -> None:
    from common.errors import RateLimited

    core = ready_core()
    [[spec]] = core.on_intent(intent(desired(), valid_ms=60_000), T0).place_batches
    core.record_submitting(spec, "0x1", T0)

    core.on_post_error(["0x1"], RateLimited(429, "Too Many Requests", retry_after_s=2), T0 + 1)
    held = core.replan_all(T0 + 1_000)
    released = core.replan_all(T0 + 2_100)

    assert held.place_batches == [] and len(released.place_batches) == 1


def test_the_core_asks_for_a_reconciliation_at_start_after_a_lapsed_heartbeat_and_while_quarantined() -> None:
    from workers.executor.core import ExecutorConfig, ExecutorCore

    fresh = ExecutorCore(ExecutorConfig(), T0, owner=OWNER)
    core = ready_core()
    settled = core.needs_reconcile
    core.heartbeat.sending(T0 + 11_000)
    core.heartbeat.on_mismatch("", T0 + 11_000)

    assert fresh.needs_reconcile and not settled and core.needs_reconcile


def test_a_trade_of_an_order_we_never_knew_quarantines_its_market_once_not_at_every_snapshot() -> None:
    core = ready_core()
    trade = UserTrade(trade_id="t9", status="MATCHED", market=MARKET, asset_id=UP, side="BUY", price_micro=450_000,
                      size_micro=5_000_000, taker_order_id="0xforeign", trader_side="TAKER", recv_ts_ms=T0,
                      match_time_ms=T0 + 1)  # fmt: skip

    first = core.on_reconcile([], [trade], T0 + 5)
    second = core.on_reconcile([], [trade], T0 + 6)

    assert [r.kind for r in first.reports] == ["quarantined"]
    assert second.reports == [] and MARKET not in core.quarantined


def test_reports_carry_the_tick_stamp_the_send_and_the_ack_times_also_after_a_replace() -> None:
    core = ready_core(config=ExecutorConfig(replace_overlap=False))  # the successor waits for the cancel
    [[spec]] = core.on_intent(intent(desired(price=450_000), valid_ms=60_000), T0, tick_ms=T0 - 7).place_batches
    core.record_submitting(spec, "0xa", T0 + 1)
    [placed] = core.on_post_results([ack("0xa")], T0 + 4)
    moved = core.on_intent(intent(desired(price=480_000), now_ms=T0 + 10, valid_ms=60_000), T0 + 10, tick_ms=T0 + 8)
    core.on_cancel_result(cancelled(*moved.cancel_ids), T0 + 11)
    [[again]] = core.replan_all(T0 + 12).place_batches

    assert (placed.tick_ms, placed.sent_ms, placed.ack_ms) == (T0 - 7, T0 + 1, T0 + 4)
    assert again.tick_ms == T0 + 8 and again.replace


def test_an_order_cancelled_while_the_snapshot_was_read_is_not_a_disagreement() -> None:
    """The cancel's answer came between asking for the snapshot and reading it: the snapshot still
    lists the order. That is the snapshot's age, not a market to quarantine; an order that had
    already ended when the snapshot was asked for and is still listed is one."""
    core = ready_core()
    [[spec]] = core.on_intent(intent(desired(), valid_ms=60_000), T0).place_batches
    core.record_submitting(spec, "0xabc", T0)
    core.on_post_results([ack("0xabc")], T0 + 10)
    core.tracker.canceling(["0xabc"])
    live = core.live_ids()  # the snapshot is asked for here
    core.on_cancel_result(cancelled("0xabc"), T0 + 20)

    step = core.on_reconcile([order_event("0xabc")], [], T0 + 30, live_at_snapshot=live)
    assert [r.kind for r in step.reports if r.kind == "quarantined"] == []
    assert not core.quarantined

    stale = core.on_reconcile([order_event("0xabc")], [], T0 + 40, live_at_snapshot=core.live_ids())
    assert [r.kind for r in stale.reports if r.kind == "quarantined"] == ["quarantined"]
