"""The executor core driven against the emulator through the real client and signer.

``drive`` is the smallest loop that feeds the core (cancels first, hashes recorded before each
POST, every answer fed back): enough to show the pieces fit the venue, not the worker loop.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from common.clob.client import AsyncClobClient, HeartbeatMismatch
from common.clob.signing import OrderSigner
from common.clock import ManualClock
from common.errors import UpdownError
from common.schemas.intent import ChurnTolerance, DesiredOrder, Intent
from sim.exchange import ExchangeConfig
from sim.faults import FaultKind
from tests.integration.sim_api.server import CID, DOWN, UP
from workers.executor.core import ExecutorConfig, ExecutorCore, OrderState, Step, sign_spec

from .emulator import Emulator, connected_client, start_emulator

pytestmark = pytest.mark.integration

TICK = 10_000
CHURN = ChurnTolerance(min_move_ticks=2, min_size_change_ppm=200_000, max_replaces_per_s=50)


def ladder_intent(now_ms: int, base: int = 400_000, levels: int = 3, mode: str = "ACTIVE") -> Intent:
    orders = tuple(DesiredOrder(outcome=o, token_id=t, price_micro=base - i * TICK - (50_000 if o == "DOWN" else 0),
                                size_micro=5_000_000, level=i)
                   for o, t in (("UP", UP), ("DOWN", DOWN)) for i in range(levels))  # fmt: skip
    return Intent(intent_id=f"i-{now_ms}-{base}-{levels}-{mode}", series="btc-15m", slug="s", condition_id=CID,
                  tick_micro=TICK, created_ms=now_ms, valid_until_ms=now_ms + 60_000, mode=mode,  # type: ignore[arg-type]
                  regime="normal", reason="quoting", target_total_micro=980_000, orders=orders, churn=CHURN)


async def drive(core: ExecutorCore, client: AsyncClobClient, signer: OrderSigner, step: Step, now_ms: int,
                depth: int = 0) -> None:  # fmt: skip
    for ids in step.cancel_batches(100):
        with contextlib.suppress(UpdownError):  # a lost cancel answer: the orders stay CANCELING
            core.on_cancel_result(await client.cancel_orders(ids), now_ms)
    for market in step.cancel_markets:
        core.on_cancel_result(await client.cancel_market_orders(market), now_ms)
    for batch in step.place_batches:
        legs = [sign_spec(signer, spec, time.time_ns() // 1_000_000) for spec in batch]
        for spec, leg in zip(batch, legs, strict=True):
            core.record_submitting(spec, leg.order.order_id, now_ms)
        try:
            core.on_post_results(await client.post_orders(legs), now_ms)
        except UpdownError as exc:
            core.on_post_error([leg.order.order_id for leg in legs], exc, now_ms)
    if (step.cancel_ids or step.cancel_markets) and depth < 3:
        await drive(core, client, signer, core.replan_all(now_ms), now_ms, depth + 1)


async def start_core(client: AsyncClobClient, clock: ManualClock, config: ExecutorConfig | None = None) -> ExecutorCore:
    assert client.creds is not None
    core = ExecutorCore(config or ExecutorConfig(), clock.now_ms(), owner=client.creds.api_key)
    try:
        core.heartbeat.on_ok(await client.heartbeat(core.heartbeat.sending(clock.now_ms())), clock.now_ms())
    except HeartbeatMismatch as exc:  # a chain armed by a previous run of ours: resync on its id
        core.heartbeat.on_mismatch(exc.expected_id, clock.now_ms())
        core.heartbeat.on_ok(await client.heartbeat(core.heartbeat.sending(clock.now_ms())), clock.now_ms())
    return core


async def reconcile(core: ExecutorCore, client: AsyncClobClient, now_ms: int) -> Step:
    return core.on_reconcile(await client.open_orders(), await client.trades(), now_ms)


def slots_on_venue(emulator: Emulator, api_key: str) -> Counter[tuple[str, int]]:
    return Counter((o.token_id, o.price_micro) for o in emulator.exchange.open_orders(api_key))


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = await start_emulator(ExchangeConfig(order_burst=60, order_rate_per_s=40))
    yield emu
    await emu.server.close()


async def test_an_intent_becomes_orders_under_their_hashes_and_a_move_replaces_what_moved(emulator: Emulator) -> None:
    client, signer = await connected_client(emulator)
    clock = ManualClock(time.time_ns() // 1_000_000)
    core = await start_core(client, clock)
    await drive(core, client, signer, await reconcile(core, client, clock.now_ms()), clock.now_ms())

    await drive(core, client, signer, core.on_intent(ladder_intent(clock.now_ms()), clock.now_ms()), clock.now_ms())
    first = {o.order_id for o in core.tracker if o.state is OrderState.LIVE}
    clock.advance(100)
    await drive(core, client, signer, core.on_intent(ladder_intent(clock.now_ms(), base=430_000), clock.now_ms()),
                clock.now_ms())  # fmt: skip
    venue = {o.order_id for o in await client.open_orders()}
    live = {o.order_id for o in core.tracker if o.state is OrderState.LIVE}

    assert len(first) == 6 and venue == live and len(live) == 6
    assert len(first & live) == 0  # +3 ticks on every level: all replaced
    assert core.status(clock.now_ms()).live_orders == 6
    await client.aclose()


async def test_halting_takes_every_order_off_the_emulator(emulator: Emulator) -> None:
    client, signer = await connected_client(emulator)
    clock = ManualClock(time.time_ns() // 1_000_000)
    core = await start_core(client, clock)
    await drive(core, client, signer, await reconcile(core, client, clock.now_ms()), clock.now_ms())
    await drive(core, client, signer, core.on_intent(ladder_intent(clock.now_ms()), clock.now_ms()), clock.now_ms())

    await drive(core, client, signer, core.set_mode("HALTED", clock.now_ms()), clock.now_ms())

    assert await client.open_orders() == []
    assert core.tracker.count(OrderState.LIVE, OrderState.CANCELING) == 0
    await client.aclose()


async def test_ambiguous_submits_are_resolved_by_reconciliation_and_never_sent_twice(emulator: Emulator) -> None:
    client, signer = await connected_client(emulator)
    assert client.creds is not None
    clock = ManualClock(time.time_ns() // 1_000_000)
    core = await start_core(client, clock)
    await drive(core, client, signer, await reconcile(core, client, clock.now_ms()), clock.now_ms())
    emulator.faults.probability = lambda kind: 1.0 if kind is FaultKind.AMBIGUOUS_SUBMIT else 0.0  # type: ignore[method-assign]

    intent = ladder_intent(clock.now_ms())
    await drive(core, client, signer, core.on_intent(intent, clock.now_ms()), clock.now_ms())
    for _ in range(3):
        clock.advance(500)
        await drive(core, client, signer, core.replan_all(clock.now_ms()), clock.now_ms())
    emulator.faults.probability = lambda kind: 0.0  # type: ignore[method-assign]
    unknown = core.tracker.count(OrderState.UNKNOWN)
    clock.advance(3_000)
    core.heartbeat.on_ok(await client.heartbeat(core.heartbeat.sending(clock.now_ms())), clock.now_ms())
    await drive(core, client, signer, await reconcile(core, client, clock.now_ms()), clock.now_ms())

    assert unknown == 6
    assert len(emulator.exchange.open_orders(client.creds.api_key)) == 6  # one order per slot, never two
    assert max(slots_on_venue(emulator, client.creds.api_key).values()) == 1
    assert core.tracker.count(OrderState.LIVE) == 6 and core.tracker.count(OrderState.UNKNOWN) == 0
    await client.aclose()


async def test_a_restarted_core_cancels_the_orders_it_does_not_know_before_placing_its_own(emulator: Emulator) -> None:
    client, signer = await connected_client(emulator)
    assert client.creds is not None
    clock = ManualClock(time.time_ns() // 1_000_000)
    old = await start_core(client, clock)
    await drive(old, client, signer, await reconcile(old, client, clock.now_ms()), clock.now_ms())
    await drive(old, client, signer, old.on_intent(ladder_intent(clock.now_ms()), clock.now_ms()), clock.now_ms())
    before = {o.order_id for o in await client.open_orders()}

    new = await start_core(client, clock)  # the executor restarted with no local state
    new.on_intent(ladder_intent(clock.now_ms()), clock.now_ms())
    await drive(new, client, signer, await reconcile(new, client, clock.now_ms()), clock.now_ms())
    after = {o.order_id for o in await client.open_orders()}

    assert len(before) == 6 and len(after) == 6 and not before & after
    assert max(slots_on_venue(emulator, client.creds.api_key).values()) == 1
    await client.aclose()


async def test_when_the_order_bucket_is_empty_cancels_still_go_out() -> None:
    tight = await start_emulator(ExchangeConfig(order_burst=8, order_rate_per_s=1, cancel_burst=120))
    client, signer = await connected_client(tight)
    clock = ManualClock(time.time_ns() // 1_000_000)
    # a core that believes in a bigger bucket than the venue's: the venue answers 429
    core = await start_core(client, clock, ExecutorConfig(batch_limit=5))
    await drive(core, client, signer, await reconcile(core, client, clock.now_ms()), clock.now_ms())

    await drive(core, client, signer, core.on_intent(ladder_intent(clock.now_ms(), levels=6), clock.now_ms()),
                clock.now_ms())  # fmt: skip
    refused = core.tracker.count(OrderState.NOT_SENT)
    rested = core.tracker.count(OrderState.LIVE)
    await drive(core, client, signer, core.set_mode("HALTED", clock.now_ms()), clock.now_ms())

    assert refused > 0 and rested > 0
    assert await client.open_orders() == []
    await client.aclose()
    await tight.server.close()
