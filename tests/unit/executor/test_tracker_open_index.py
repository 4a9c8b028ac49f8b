"""The tracker answers its per-intent queries (a market's orders, a slot's, the counts) from indexes
of the orders that may be live; every path of the state machine keeps them in step with a plain scan
of every order it holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from common.clob.client import CancelResult, OrderResult
from common.errors import RateLimited, UnknownOutcome
from workers.executor.core.orders import MAYBE_LIVE, OrderState, PlaceSpec, Slot
from workers.executor.core.tracker import OrderTracker

MARKETS = ("m1", "m2")
STATES = tuple(OrderState)


def spec(market: str, level: int) -> PlaceSpec:
    return PlaceSpec(Slot(market, "tok", "BUY", level), "intent", 500_000, 5_000_000, "GTC", True, 10_000)


def scan_of_market(tracker: OrderTracker, market: str) -> list[str]:
    return [o.order_id for o in tracker if o.slot.market == market and o.maybe_live]


ops = st.lists(st.tuples(st.sampled_from(["place", "ack", "lost", "refused", "cancel", "cancelled", "gone",
                                          "cancel_failed", "resolve", "forget"]),
                         st.integers(0, 30), st.sampled_from(STATES)), max_size=80)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(ops)
def test_the_open_index_answers_as_a_scan_of_every_order_would(steps: list[tuple[str, int, OrderState]]) -> None:
    tracker, placed = OrderTracker(), []
    for now, (op, n, state) in enumerate(steps, start=1):
        ids = [placed[n % len(placed)]] if placed else []
        if op == "place":
            s = spec(MARKETS[n % 2], n)
            if tracker.has_room(s):
                tracker.submitting(s, f"o{now}", now)
                placed.append(f"o{now}")
        elif op == "ack" and ids:
            tracker.on_post_results([OrderResult(expected_id=ids[0], order_id=ids[0], accepted=n % 3 != 0,
                                                 status="live", error_msg="no", making_amount_micro=None,
                                                 taking_amount_micro=None, trade_ids=())], now)  # fmt: skip
        elif op == "lost" and ids:
            tracker.on_post_error(ids, UnknownOutcome("timeout"), now)
        elif op == "refused" and ids:
            tracker.on_post_error(ids, RateLimited(429, "slow"), now)
        elif op == "cancel":
            tracker.canceling(ids)
        elif op == "cancelled" and ids:
            tracker.on_cancel_result(CancelResult(canceled=tuple(ids), not_canceled={}), now)
        elif op == "gone" and ids:
            tracker.on_cancel_result(CancelResult(canceled=(), not_canceled={ids[0]: "matched"}), now)
        elif op == "cancel_failed":
            tracker.on_cancel_error(ids, RateLimited(429, "slow"))
        elif op == "resolve" and ids:
            tracker.resolve(ids[0], state, now, "reconciled")
        elif op == "forget":
            tracker.forget_terminal(now - n)
        for market in MARKETS:
            assert [o.order_id for o in tracker.of_market(market)] == scan_of_market(tracker, market)
        for level in range(31):
            slot = spec(MARKETS[level % 2], level).slot
            assert tracker.in_slot(slot) == [o for o in tracker if o.slot == slot and o.maybe_live]
        every = list(tracker)
        for states in ((OrderState.LIVE, OrderState.CANCELING), (OrderState.UNKNOWN, OrderState.SUBMITTING),
                       tuple(MAYBE_LIVE), (OrderState.FILLED,)):  # fmt: skip
            assert tracker.count(*states) == sum(1 for o in every if o.state in states)
