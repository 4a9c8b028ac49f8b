"""The executor core driven against the paper venue: the same answers, fills in the user feed's schema."""

from __future__ import annotations

from common.schemas.book import BookSnapshot, LastTrade
from common.schemas.user import Fill, OrderEvent
from workers.executor.core import ExecutorCore, OrderState, Step, paper_order_id
from workers.executor.paper import PaperVenue

from .builders import MARKET, OWNER, T0, UP, desired, intent, ready_core


def drive(core: ExecutorCore, venue: PaperVenue, step: Step, now_ms: int) -> list[Fill | OrderEvent]:
    published: list[Fill | OrderEvent] = []
    if step.cancel_ids:
        result, out = venue.cancel(step.cancel_ids)
        core.on_cancel_result(result, now_ms)
        published += out
    for batch in step.place_batches:
        legs = [(paper_order_id(spec, now_ms, i), spec) for i, spec in enumerate(batch)]
        for order_id, spec in legs:
            core.record_submitting(spec, order_id, now_ms)
        results, out = venue.post(legs)
        core.on_post_results(results, now_ms)
        published += out
    return published


def test_a_paper_quote_fills_by_queue_and_its_slot_is_quoted_again_once_filled() -> None:
    core, venue = ready_core(), PaperVenue(OWNER, lambda: T0)
    venue.on_snapshot(BookSnapshot(market=MARKET, asset_id=UP, bids=((450_000, 20_000_000),),
                                   asks=((470_000, 20_000_000),), best_bid_micro=450_000, best_ask_micro=470_000,
                                   venue_ts_ms=T0, recv_ts_ms=T0))  # fmt: skip
    wanted = intent(desired(price=450_000, size=10_000_000), valid_ms=60_000)
    placed = drive(core, venue, core.on_intent(wanted, T0), T0)

    queue_only = venue.on_trade(LastTrade(market=MARKET, asset_id=UP, price_micro=450_000, size_micro=20_000_000,
                                          side="SELL", venue_ts_ms=T0, recv_ts_ms=T0))  # fmt: skip
    ours = venue.on_trade(LastTrade(market=MARKET, asset_id=UP, price_micro=450_000, size_micro=10_000_000,
                                    side="SELL", venue_ts_ms=T0, recv_ts_ms=T0))  # fmt: skip
    step = Step()
    for event in ours:
        if isinstance(event, OrderEvent):
            step.extend(core.on_order_event(event, T0 + 1))
    again = drive(core, venue, core.replan_all(T0 + 2), T0 + 2)

    assert [type(o).__name__ for o in placed] == ["OrderEvent"] and queue_only == []
    assert [f.status for f in ours if isinstance(f, Fill)] == ["MATCHED", "CONFIRMED"]
    assert core.tracker.count(OrderState.FILLED) == 1 and [r.kind for r in step.reports] == ["filled"]
    assert [o.kind for o in again if isinstance(o, OrderEvent)] == ["PLACEMENT"]
