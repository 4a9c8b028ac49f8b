"""The ledger's starting cash: the venue's balance less what its streams still hold; paper mode's."""

from __future__ import annotations

from common.bus import streams
from common.bus.codec import encode
from tests.unit.ledger.builders import fill, record
from tests.unit.ledger_loop.harness import CASH, T0, Bus, deliver
from workers.ledger import start_cash


async def test_the_first_start_subtracts_what_the_streams_already_hold_from_the_venue_balance() -> None:
    bus = Bus()
    await bus.redis.xadd(streams.MARKETS, encode(record(), src="t", event_ms=T0, ingest_ms=T0, emit_ms=T0))
    await bus.redis.xadd(streams.FILLS, encode(fill("t1", price=400_000, size=10_000_000, role="TAKER"), src="t",
                                               event_ms=T0, ingest_ms=T0, emit_ms=T0))  # fmt: skip

    effect = await start_cash.cash_effect_of_streams(bus.redis)

    assert effect == -4_000_000 - 10 * 70_000 * 24 // 100  # the buy and its taker fee (0.07 x 0.4 x 0.6)


async def test_the_first_start_counts_only_what_the_ledger_group_has_not_consumed_yet() -> None:
    bus = Bus()

    def entry(trade: str) -> dict[bytes, bytes]:
        return encode(fill(trade, price=500_000, size=10_000_000), src="t", event_ms=T0, ingest_ms=T0, emit_ms=T0)

    await bus.redis.xadd(streams.FILLS, entry("acked"))
    await bus.redis.xgroup_create(streams.FILLS, "ledger", id="0")
    [[_, [(acked, _)]]] = await bus.redis.xreadgroup("ledger", "ledger-0", {streams.FILLS: ">"}, count=1)
    await bus.redis.xack(streams.FILLS, "ledger", acked)
    await bus.redis.xadd(streams.FILLS, entry("pending"))
    await bus.redis.xreadgroup("ledger", "ledger-0", {streams.FILLS: ">"}, count=1)
    await bus.redis.xadd(streams.FILLS, entry("new"))

    effect = await start_cash.cash_effect_of_streams(bus.redis)

    assert effect == -2 * 5_000_000  # the pending and the new fill; the acked one is in the venue's and our past


async def test_what_is_still_to_consume_counts_later_statuses_of_booked_fills_as_no_new_cash() -> None:
    bus = Bus()
    ctx = await bus.start()
    await deliver(ctx, bus.envelope(record()))
    await deliver(ctx, bus.envelope(fill("t1", price=500_000, size=10_000_000)))
    for body in (fill("t1", price=500_000, size=10_000_000, status="MINED"), fill("t2", price=300_000)):
        await bus.redis.xadd(streams.FILLS, encode(body, src="t", event_ms=T0, ingest_ms=T0, emit_ms=T0))
    books = ctx.resources["books"]

    effect = await start_cash.cash_effect_of_streams(bus.redis, books)

    assert effect == -3_000_000  # t2 only
    assert books.ledger.cash_micro() == CASH - 5_000_000  # the live books are untouched


async def test_paper_mode_starts_from_the_paper_cash_and_keeps_it_across_restarts() -> None:
    bus = Bus()

    ctx = await bus.start(cash=None, mode="paper")
    again = await bus.start(cash=None, mode="paper")

    assert ctx.resources["initial_cash_micro"] == start_cash.PAPER_STARTING_CASH_MICRO
    assert again.resources["books"].ledger.cash_micro() == start_cash.PAPER_STARTING_CASH_MICRO
