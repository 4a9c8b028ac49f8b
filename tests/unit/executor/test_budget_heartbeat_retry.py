"""The rate budget's reserve, the heartbeat machine, and the retry predicate."""

from __future__ import annotations

import random

from common.errors import NetworkError, RateLimited, Rejected, UnknownOutcome, VenueBusy, VenueServerError
from common.retry import Backoff
from workers.executor.core import ExecutorConfig, HeartbeatMachine, RateBudget, decide

T0 = 1_800_000_000_000


def test_cancels_keep_a_reserve_that_only_urgent_cancels_may_use() -> None:
    budget = RateBudget(ExecutorConfig(cancel_burst=40, cancel_reserve=30), T0)

    routine = budget.cancels_allowed(T0, 25, urgent=False)
    urgent = budget.cancels_allowed(T0, 25, urgent=True)

    assert routine == 10 and urgent == 25


def test_no_order_is_placed_that_the_cancel_bucket_could_not_take_off_again() -> None:
    budget = RateBudget(ExecutorConfig(cancel_burst=20), T0)

    allowed = budget.orders_allowed(T0, 15, live_orders=10)

    assert allowed == 9  # 20 cancel tokens: the 10 live, the 9 new, and one for a cancel-all


def test_the_mirror_refills_at_the_margin_below_the_venue_rate() -> None:
    budget = RateBudget(ExecutorConfig(order_burst=60, order_rate_per_s=40, rate_margin_ppm=900_000), T0)
    budget.spend_orders(T0, 60)

    after_one_s = budget.orders_allowed(T0 + 1_000, 100, 0)

    assert after_one_s == 36


def test_a_429_pauses_the_bucket_until_the_venue_says() -> None:
    budget = RateBudget(ExecutorConfig(), T0)

    budget.on_rate_limited(budget.orders, T0, 2_000)

    assert budget.orders_allowed(T0 + 1_999, 5, 0) == 0
    assert budget.orders_allowed(T0 + 2_100, 5, 0) == 5


def test_the_heartbeat_arms_goes_late_then_fails_and_asks_for_a_reconciliation() -> None:
    hb = HeartbeatMachine(ExecutorConfig())

    idle = hb.can_place(T0)
    hb.sending(T0)
    hb.on_ok("a", T0)
    ok = hb.can_place(T0 + 6_999)
    late = hb.health(T0 + 7_000)
    hb.sending(T0 + 10_000)
    hb.on_error(T0 + 10_000, 100)

    assert not idle and ok and late == "late"
    assert hb.health(T0 + 10_000) == "failed" and hb.needs_reconcile
    assert not hb.can_place(T0 + 10_000)


def test_a_stale_heartbeat_id_is_resynchronised_and_the_next_beat_is_due_at_once() -> None:
    hb = HeartbeatMachine(ExecutorConfig())
    hb.sending(T0)
    hb.on_ok("a", T0)

    hb.sending(T0 + 100)
    hb.on_mismatch("b", T0 + 100)

    assert hb.due(T0 + 100) and hb.sending(T0 + 100) == "b"
    assert not hb.needs_reconcile


def test_a_lapsed_chain_means_the_venue_cancelled_everything() -> None:
    hb = HeartbeatMachine(ExecutorConfig())
    hb.sending(T0)
    hb.on_ok("a", T0)

    hb.sending(T0 + 11_000)
    hb.on_mismatch("", T0 + 11_000)
    hb.sending(T0 + 11_050)
    hb.on_ok("fresh", T0 + 11_050)

    assert hb.needs_reconcile and not hb.can_place(T0 + 11_050)
    hb.reconciled()
    assert hb.can_place(T0 + 11_050)


def _backoff() -> Backoff:
    return Backoff(100, 5_000, random.Random(1))


def test_the_retry_predicate_by_error_and_operation() -> None:
    limited = RateLimited(429, "Too Many Requests", retry_after_s=2)

    assert decide(limited, "cancel", 1, 5, _backoff()).action == "retry"
    assert decide(limited, "cancel", 1, 5, _backoff()).delay_ms >= 2_000
    assert decide(VenueBusy(425, "restart"), "read", 1, 5, _backoff()).action == "retry"
    assert decide(VenueServerError(500, "x"), "cancel", 1, 5, _backoff()).action == "retry"
    assert decide(UnknownOutcome("timeout"), "heartbeat", 1, 5, _backoff()).action == "retry"
    assert decide(UnknownOutcome("timeout"), "submit", 1, 5, _backoff()).action == "resolve"
    assert decide(VenueServerError(502, "x"), "submit", 1, 5, _backoff()).action == "resolve"
    assert decide(NetworkError("refused"), "submit", 1, 5, _backoff()).action == "give_up"
    assert decide(Rejected(400, "invalid"), "cancel", 1, 5, _backoff()).action == "give_up"
    assert decide(VenueServerError(500, "x"), "cancel", 5, 5, _backoff()).action == "give_up"
