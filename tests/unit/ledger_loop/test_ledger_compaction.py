"""The ledger forgets windows that are over: its op log and per-window hashes stay bounded, the
account and the running total do not move, and a restart or a late duplicate changes nothing."""

from __future__ import annotations

from common import state
from common.schemas.inventory import InventoryAction
from common.schemas.market import MarketRecord
from common.schemas.positions import AccountPosition, WindowSummary
from common.schemas.user import Fill
from tests.unit.ledger.builders import fill, record
from tests.unit.ledger_loop.harness import T0, Bus, deliver
from workers.ledger import store
from workers.ledger.ops import Op

#: The default ``ledger.closed_window_retention_s``, in ms.
RETENTION_MS = 3_600_000
WINDOW_MS = 900_000


def window(n: int) -> tuple[MarketRecord, str, str]:
    """The n-th 15-minute window: its record, condition id and Up token."""
    market, up, down = f"0xcond{n}", f"{n}1", f"{n}2"
    rec = record().model_copy(update={"condition_id": market, "slug": f"btc-updown-15m-{n}", "token_ids": (up, down),
                                      "window_start_ms": T0 + n * WINDOW_MS, "window_end_ms": T0 + (n + 1) * WINDOW_MS})
    return rec, market, up


def bought(n: int, trade: str) -> Fill:
    _, market, up = window(n)
    return fill(trade, status="CONFIRMED").model_copy(update={"market": market, "asset_id": up,
                                                               "fill_id": f"{trade}:{market}"})  # fmt: skip


def resolved_and_redeemed(n: int) -> list[MarketRecord | InventoryAction]:
    rec, market, _ = window(n)
    return [rec.model_copy(update={"winner_index": 0, "closed": True}),
            InventoryAction(kind="redeem", market=market, slug=rec.slug, op_id=f"r{n}", collateral_micro=10_000_000,
                            confirmed_ms=T0)]  # fmt: skip


async def account(bus: Bus) -> AccountPosition:
    found = await state.get(bus.redis, state.POSITIONS, "account", AccountPosition)
    assert found is not None
    return found


async def trade_one_window(bus: Bus, ctx: object, n: int) -> None:
    await deliver(ctx, bus.envelope(window(n)[0]))  # type: ignore[arg-type]
    await deliver(ctx, bus.envelope(bought(n, f"t{n}")))  # type: ignore[arg-type]
    for body in resolved_and_redeemed(n):
        await deliver(ctx, bus.envelope(body))  # type: ignore[arg-type]


async def test_a_redeemed_window_leaves_the_log_and_every_hash_after_the_retention_the_account_unchanged() -> None:
    bus = Bus()
    ctx = await bus.start()
    await trade_one_window(bus, ctx, 0)
    before = await account(bus)
    total = await state.get(bus.redis, state.PNL, "total", WindowSummary)
    _, market, _ = window(0)

    bus.clock.advance(WINDOW_MS + RETENTION_MS + 1)
    await deliver(ctx, bus.envelope(window(9)[0]))  # any input: the next window's record

    assert [Op.loads(raw).market for raw in await bus.redis.lrange(store.LOG_KEY, 0, -1)] == ["0xcond9"]
    assert not await bus.redis.hexists(state.POSITIONS, market)
    assert not await bus.redis.hexists(state.PNL, "btc-updown-15m-0")
    assert not await bus.redis.hexists(store.RECYCLED_KEY, market)
    after = await account(bus)
    assert after.model_copy(update={"at_ms": 0}) == before.model_copy(update={"at_ms": 0})
    again = await bus.start()  # a restart rebuilds the same account from what is left
    books = again.resources["books"]
    assert market not in books.ledger.markets
    assert books.ledger.cash_micro() == before.cash_micro
    assert total is not None and books.closed_total.realized_pnl_micro == total.realized_pnl_micro


async def test_a_late_duplicate_fill_of_a_forgotten_window_is_not_booked_again() -> None:
    bus = Bus()
    ctx = await bus.start()
    await trade_one_window(bus, ctx, 0)
    bus.clock.advance(WINDOW_MS + RETENTION_MS + 1)
    await deliver(ctx, bus.envelope(window(9)[0]))
    cash = (await account(bus)).cash_micro

    again = await bus.start()
    await deliver(again, bus.envelope(bought(0, "t0")))

    assert again.resources["books"].ledger.cash_micro() == cash
    assert window(0)[1] not in again.resources["books"].ledger.markets


async def test_windows_still_held_or_within_the_retention_are_kept() -> None:
    bus = Bus()
    ctx = await bus.start()
    await trade_one_window(bus, ctx, 0)  # redeemed, but ended less than the retention ago
    await deliver(ctx, bus.envelope(window(1)[0]))
    await deliver(ctx, bus.envelope(bought(1, "t1")))  # held, never resolved

    bus.clock.advance(WINDOW_MS + RETENTION_MS // 2)
    await deliver(ctx, bus.envelope(window(2)[0]))
    bus.clock.advance(RETENTION_MS)
    await deliver(ctx, bus.envelope(window(3)[0]))

    markets = ctx.resources["books"].ledger.markets
    assert "0xcond0" not in markets and "0xcond1" in markets  # the held one stays, whatever its age


async def test_the_op_log_of_a_long_run_levels_off() -> None:
    bus = Bus()
    ctx = await bus.start()
    lengths = []

    for n in range(40):  # 10 hours of 15-minute windows, each traded, resolved and redeemed
        await trade_one_window(bus, ctx, n)
        bus.clock.advance(WINDOW_MS)
        lengths.append(await bus.redis.llen(store.LOG_KEY))

    windows_kept = RETENTION_MS // WINDOW_MS + 3
    assert max(lengths[10:]) <= windows_kept * 4  # about four ops a window, a few windows kept
    assert await bus.redis.hlen(state.PNL) <= windows_kept + 1
    assert await bus.redis.hlen(state.POSITIONS) <= windows_kept + 1
    assert (await account(bus)).realized_pnl_micro == 40 * (10_000_000 - 4_000_000)
