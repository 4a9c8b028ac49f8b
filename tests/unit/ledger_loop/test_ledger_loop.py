"""The ledger loop: positions out, idempotence on redelivery, and books rebuilt after a crash."""

from __future__ import annotations

import pytest

from common import state
from common.bus import streams
from common.schemas.book import BestBidAsk
from common.schemas.exec import ExecReport
from common.schemas.inventory import InventoryAction
from common.schemas.market import MarketLifecycle
from common.schemas.positions import AccountPosition, MarketPosition, WindowSummary
from tests.unit.ledger.builders import DOWN, MARKET, UP, fill, record
from tests.unit.ledger_loop.harness import CASH, T0, Bus, deliver
from workers.ledger import store, worker
from workers.ledger.core import Ledger


async def account(bus: Bus) -> AccountPosition:
    found = await state.get(bus.redis, state.POSITIONS, "account", AccountPosition)
    assert found is not None
    return found


async def test_a_fill_publishes_the_market_position_and_the_account_and_keeps_them_in_the_hash() -> None:
    bus = Bus()
    ctx = await bus.start()
    await deliver(ctx, bus.envelope(record()))

    out = await deliver(ctx, bus.envelope(fill("t1", price=400_000, size=10_000_000)))

    bodies = [e.body for e in out]
    assert [type(b) for b in bodies] == [MarketPosition, AccountPosition]
    assert {e.stream for e in out} == {streams.POSITIONS}
    position = await state.get(bus.redis, state.POSITIONS, MARKET, MarketPosition)
    assert position is not None and position.outcomes[0].shares_micro == 10_000_000
    assert (await account(bus)).cash_micro == CASH - 4_000_000


async def test_a_fill_redelivered_after_a_crash_before_its_ack_is_booked_once() -> None:
    bus = Bus()
    ctx = await bus.start()
    await deliver(ctx, bus.envelope(record()))
    entry = bus.envelope(fill("t1", role="TAKER", price=500_000, size=10_000_000))
    await deliver(ctx, entry)  # persisted; the process dies before the runner acks it

    again = await bus.start()
    out = await deliver(again, entry)

    assert [type(e.body) for e in out] == [MarketPosition, AccountPosition]  # outputs emitted again
    fee = 10 * 70_000 * 25 // 100  # 10 shares x 0.07 x 0.5 x 0.5
    assert again.resources["books"].ledger.cash_micro() == CASH - 5_000_000 - fee
    assert (await account(bus)).cash_micro == CASH - 5_000_000 - fee
    assert await bus.redis.llen(store.LOG_KEY) == 2  # the record and the fill, once each


async def test_the_restarted_ledger_equals_one_that_never_stopped() -> None:
    bus = Bus()
    ctx = await bus.start()
    inputs = [record(), fill("t1"), fill("t1", status="MINED"), fill("t2", token=DOWN, price=550_000),
              fill("t1", status="CONFIRMED"), fill("t2", token=DOWN, price=550_000, status="FAILED"),
              fill("t3", token=DOWN, price=500_000, size=4_000_000, role="TAKER"),
              InventoryAction(kind="merge", market=MARKET, op_id="m1", sets_micro=4_000_000,
                              collateral_micro=4_000_000, confirmed_ms=T0)]  # fmt: skip
    reference = Ledger(CASH)
    for body in inputs:
        await deliver(ctx, bus.envelope(body))
    reference.on_market(inputs[0])  # type: ignore[arg-type]
    for body in inputs[1:-1]:
        reference.on_fill(body)  # type: ignore[arg-type]
    reference.on_merge(MARKET, 4_000_000, "m1")

    restarted = (await bus.start()).resources["books"].ledger

    assert restarted.cash_micro() == reference.cash_micro() == ctx.resources["books"].ledger.cash_micro()
    assert restarted.position(MARKET, T0) == reference.position(MARKET, T0)
    assert restarted.account(T0) == reference.account(T0)


async def test_a_merge_is_applied_once_by_op_id_and_shows_as_recycled_capital() -> None:
    bus = Bus()
    ctx = await bus.start()
    await deliver(ctx, bus.envelope(record()))
    await deliver(ctx, bus.envelope(fill("t1", status="CONFIRMED")))
    await deliver(ctx, bus.envelope(fill("t2", token=DOWN, price=500_000, status="CONFIRMED")))
    merge = InventoryAction(kind="merge", market=MARKET, slug="btc-updown-15m-1", op_id="m1",
                            sets_micro=6_000_000, collateral_micro=6_000_000, confirmed_ms=T0)  # fmt: skip

    await deliver(ctx, bus.envelope(merge))
    await deliver(ctx, bus.envelope(merge))  # the merger wrote it twice: a new entry, the same op id

    position = await state.get(bus.redis, state.POSITIONS, MARKET, MarketPosition)
    assert position is not None and position.mergeable_full_sets_micro == 4_000_000
    assert (await account(bus)).cash_micro == CASH - 4_000_000 - 5_000_000 + 6_000_000
    recycled = store.load_recycled(await bus.redis.hgetall(store.RECYCLED_KEY))
    assert (recycled[MARKET].merged_sets_micro, recycled[MARKET].merges) == (6_000_000, 1)


async def test_executor_reports_are_counted_once_across_a_restart() -> None:
    bus = Bus()
    ctx = await bus.start()
    await deliver(ctx, bus.envelope(record()))
    placed = bus.envelope(ExecReport(kind="placed", market=MARKET, level=0, order_type="GTC", replace=True,
                                     at_ms=T0))  # fmt: skip
    cancelled = bus.envelope(ExecReport(kind="cancelled", market=MARKET, level=0, order_type="GTC", at_ms=T0))
    await deliver(ctx, placed)
    await deliver(ctx, cancelled)

    again = await bus.start()
    await deliver(again, cancelled)  # redelivered: not acked before the crash

    counters = again.resources["books"].ledger.books(MARKET).counters
    assert (counters.quotes_posted, counters.quotes_replaced, counters.quotes_cancelled) == (1, 1, 1)
    summary = await state.get(bus.redis, state.PNL, "btc-updown-15m-1", WindowSummary)
    assert summary is not None and summary.quotes_cancelled == 1


async def test_a_resolution_publishes_the_window_summary_and_the_running_total() -> None:
    bus = Bus()
    ctx = await bus.start()
    await deliver(ctx, bus.envelope(record()))
    await deliver(ctx, bus.envelope(fill("t1", price=400_000, size=10_000_000, status="CONFIRMED")))
    resolved = MarketLifecycle(series="btc-updown-15m", slug="btc-updown-15m-1", condition_id=MARKET,
                               phase="resolved", window_start_ms=T0, window_end_ms=T0 + 900_000, at_ms=T0,
                               cause="ws", winning_asset_id=UP)  # fmt: skip

    out = await deliver(ctx, bus.envelope(resolved))

    summaries = [e.body for e in out if isinstance(e.body, WindowSummary)]
    assert len(summaries) == 1 and summaries[0].winner == "Up"
    assert summaries[0].realized_pnl_micro == 10_000_000 - 4_000_000
    total = await state.get(bus.redis, state.PNL, "total", WindowSummary)
    assert total is not None and total.realized_pnl_micro == 6_000_000 and total.fills == 1


async def test_marks_move_unrealized_pnl_and_are_published_at_most_once_a_second_per_market() -> None:
    bus = Bus()
    ctx = await bus.start()
    await deliver(ctx, bus.envelope(record()))
    await deliver(ctx, bus.envelope(fill("t1", price=400_000, size=10_000_000)))

    def mark(bid: int, ask: int) -> BestBidAsk:
        return BestBidAsk(market=MARKET, asset_id=UP, source="venue", best_bid_micro=bid, best_ask_micro=ask,
                          venue_ts_ms=T0, recv_ts_ms=T0)  # fmt: skip

    first = await deliver(ctx, bus.envelope(mark(490_000, 510_000)))
    bus.clock.advance(100)
    throttled = await deliver(ctx, bus.envelope(mark(590_000, 610_000)))
    bus.clock.advance(1_000)
    later = await deliver(ctx, bus.envelope(mark(590_000, 610_000)))

    assert isinstance(first[0].body, MarketPosition) and first[0].body.unrealized_pnl_micro == 1_000_000
    assert throttled == []
    assert isinstance(later[0].body, MarketPosition) and later[0].body.unrealized_pnl_micro == 2_000_000


async def test_a_failed_write_leaves_no_fill_half_booked(monkeypatch: pytest.MonkeyPatch) -> None:
    bus = Bus()
    ctx = await bus.start()
    await deliver(ctx, bus.envelope(record()))
    entry = bus.envelope(fill("t1"))
    real = store.persist

    async def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionError("redis went away")

    monkeypatch.setattr(store, "persist", broken)
    with pytest.raises(ConnectionError):
        await deliver(ctx, entry)
    monkeypatch.setattr(store, "persist", real)
    await deliver(ctx, entry)  # the runner's retry

    assert ctx.resources["books"].ledger.cash_micro() == CASH - 4_000_000
    assert (await bus.start()).resources["books"].ledger.cash_micro() == CASH - 4_000_000


def test_the_worker_reads_every_input_the_ledger_needs() -> None:
    names = {i.streams if isinstance(i.streams, str) else "book" for i in worker.SPEC.inputs}
    assert names == {streams.FILLS, streams.INVENTORY, streams.MARKETS, streams.EXEC, "book"}


async def test_a_fill_below_the_mark_that_was_never_applied_is_still_booked() -> None:
    bus = Bus()
    ctx = await bus.start()
    await deliver(ctx, bus.envelope(record()))
    late = bus.envelope(fill("t1"))  # claimed from a consumer that died before applying it
    await deliver(ctx, bus.envelope(fill("t2", token=DOWN, price=500_000)))

    out = await deliver(ctx, late)

    assert [type(e.body) for e in out] == [MarketPosition, AccountPosition]
    assert (await account(bus)).cash_micro == CASH - 4_000_000 - 5_000_000
    assert (await bus.start()).resources["books"].ledger.cash_micro() == CASH - 9_000_000


async def test_a_resolution_redelivered_after_a_crash_publishes_its_summary_again_without_refolding() -> None:
    bus = Bus()
    ctx = await bus.start()
    await deliver(ctx, bus.envelope(record()))
    await deliver(ctx, bus.envelope(fill("t1", status="CONFIRMED")))
    resolved = bus.envelope(MarketLifecycle(series="btc-updown-15m", slug="btc-updown-15m-1", condition_id=MARKET,
                                            phase="resolved", window_start_ms=T0, window_end_ms=T0 + 900_000,
                                            at_ms=T0, cause="gamma", winning_asset_id=DOWN))  # fmt: skip
    await deliver(ctx, resolved)

    out = await deliver(await bus.start(), resolved)

    summaries = [e.body for e in out if isinstance(e.body, WindowSummary)]
    assert len(summaries) == 1 and summaries[0].winner == "Down"
    assert summaries[0].realized_pnl_micro == -4_000_000
    assert await bus.redis.llen(store.LOG_KEY) == 3


async def test_a_graceful_stop_leaves_the_latest_marks_in_the_positions_hash() -> None:
    bus = Bus()
    ctx = await bus.start()
    await deliver(ctx, bus.envelope(record()))
    await deliver(ctx, bus.envelope(fill("t1", price=400_000, size=10_000_000)))
    for mid in (500_000, 700_000):  # the second mark is throttled
        await deliver(ctx, bus.envelope(BestBidAsk(market=MARKET, asset_id=UP, source="venue", best_bid_micro=mid,
                                                   best_ask_micro=mid, venue_ts_ms=T0, recv_ts_ms=T0)))  # fmt: skip

    await worker.teardown(ctx)

    position = await state.get(bus.redis, state.POSITIONS, MARKET, MarketPosition)
    assert position is not None and position.unrealized_pnl_micro == 3_000_000
