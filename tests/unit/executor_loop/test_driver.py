"""The executor's loop (driver + upkeep) against a scripted venue: what goes out, when, and what never does."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from common import state
from common.bus.codec import decode
from common.bus.envelope import Envelope
from common.errors import RateLimited, UnknownOutcome
from common.schemas.exec import ExecReport
from common.schemas.positions import MarketPosition, OutcomePosition
from tests.unit.executor_loop.fakes import DOWN, MARKET, UP, FakeGateway, intent, make_driver, settle, started
from workers.executor.core import DEFAULT_CONFIG, OrderState, PlaceSpec, Slot
from workers.executor.driver import Driver


async def reports_of(driver: Driver) -> list[ExecReport]:
    entries = await driver.ctx.redis.xrange("exec")
    return [b for _, f in entries if isinstance(b := decode(f).body, ExecReport)]


def env_of(body: object, event_ms: int) -> Envelope:
    return Envelope(body=body, src="quoter", key="", event_ms=event_ms, ingest_ms=event_ms, emit_ms=event_ms + 1)  # type: ignore[arg-type]


async def test_an_intent_is_posted_only_after_the_heartbeat_and_the_first_reconciliation() -> None:
    gateway = FakeGateway()
    driver, upkeep, clock = make_driver(gateway)
    await driver.on_intent(env_of(intent((400_000,), clock.now_ms()), clock.now_ms()))
    await settle(driver)
    await upkeep.tick()
    await settle(driver)
    assert gateway.posts == [], "posted before the heartbeat was armed"

    await upkeep.keepalive.beat()
    await upkeep.tick()
    await settle(driver)

    assert [len(p) for p in gateway.posts] == [2]
    assert len(gateway.book) == 2


async def test_every_order_hash_is_recorded_before_its_post_leaves() -> None:
    gateway = FakeGateway()
    driver, _ = await started(gateway)
    now = driver.now()

    await driver.on_intent(env_of(intent((400_000, 390_000), now), now))
    await settle(driver)

    assert gateway.states_at_post == ["submitting"] * 4
    assert all(driver.core.tracker.get(i).state is OrderState.LIVE for i in gateway.book)  # type: ignore[union-attr]


async def test_an_intents_bookkeeping_waits_until_its_orders_are_on_the_wire() -> None:
    gateway = FakeGateway()
    driver, _ = await started(gateway)
    decisions_at_post: list[str | None] = []

    async def on_the_wire(ids: list[str]) -> None:
        decisions_at_post.append(driver.latency.summary().get("tick_to_decision.count"))

    gateway.during_post = on_the_wire
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000,), now), now))
    await settle(driver)

    assert decisions_at_post == [None]  # the intent's decision span is observed after its POST left
    assert driver.latency.summary()["tick_to_decision.count"] == "1"


async def test_tick_to_order_counts_the_orders_that_went_on_the_wire_only() -> None:
    gateway = FakeGateway(refused_posts=1)
    driver, upkeep, clock = make_driver(gateway)
    await upkeep.keepalive.beat()
    await upkeep.tick()
    await settle(driver)
    now = driver.now()

    await driver.on_intent(env_of(intent((400_000,), now), now))  # two orders, refused before leaving
    await settle(driver)
    assert len(gateway.posts) == 0 and "tick_to_order.count" not in driver.latency.summary()

    clock.advance(5_000)  # past the backoff: the slots are planned again, and these leave
    await upkeep.keepalive.beat()
    await upkeep.tick()
    await settle(driver)
    assert len(gateway.book) == 2
    assert driver.latency.summary()["tick_to_order.count"] == "2"
    # they left on a replan, not in their intent's step: not the pipeline's own latency
    assert "tick_to_order_on_intent.count" not in driver.latency.summary()


async def test_orders_sent_in_their_intents_step_count_in_tick_to_order_on_intent_too() -> None:
    gateway = FakeGateway()
    driver, upkeep = await started(gateway)
    now = driver.now()

    await driver.on_intent(env_of(intent((400_000,), now), now))
    await settle(driver)
    await upkeep.tick()  # a replan with nothing left to place adds nothing
    await settle(driver)

    summary = driver.latency.summary()
    assert summary["tick_to_order.count"] == summary["tick_to_order_on_intent.count"] == "2"


async def test_an_unknown_submit_is_never_sent_again_and_its_slot_waits_for_the_venue() -> None:
    gateway = FakeGateway(post_errors=[UnknownOutcome("connection lost")])
    driver, upkeep = await started(gateway)
    now = driver.now()

    await driver.on_intent(env_of(intent((400_000,), now), now))
    await settle(driver)
    for _ in range(5):
        await upkeep.tick()
        await settle(driver)

    assert len(gateway.posts) == 1, "an order was signed again for a slot whose submit is unresolved"
    unknown = gateway.posts[0]
    assert {driver.core.tracker.get(i).state for i in unknown} == {OrderState.UNKNOWN}  # type: ignore[union-attr]

    for order_id in unknown:  # the user feed says they rest on the book
        await driver.on_order_event(gateway.event(order_id, "LIVE"))
    await settle(driver)
    assert {driver.core.tracker.get(i).state for i in unknown} == {OrderState.LIVE}  # type: ignore[union-attr]
    assert len(gateway.posts) == 1


async def test_refused_posts_pause_placing_but_cancels_still_go_out() -> None:
    gateway = FakeGateway()
    driver, upkeep = await started(gateway)
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000,), now), now))
    await settle(driver)
    resting = set(gateway.book)
    gateway.post_errors = [RateLimited(429, "Too Many Requests", retry_after_s=5.0)]
    await driver.on_intent(env_of(intent((400_000, 380_000), now, ident="i2"), now))
    await settle(driver)
    assert len(gateway.posts) == 2 and len(gateway.book) == 2  # the new level was refused

    await driver.on_intent(env_of(intent((), now, ident="i3"), now))
    await settle(driver)

    assert set(gateway.cancels[-1]) == resting
    assert gateway.book == {}
    await upkeep.tick()
    await settle(driver)
    assert len(gateway.posts) == 2


async def test_a_cancel_refused_with_429_is_retried_after_the_wait() -> None:
    gateway = FakeGateway(cancel_errors=[RateLimited(429, "Too Many Requests", retry_after_s=0.05)])
    driver, _ = await started(gateway)
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000,), now), now))
    await settle(driver)

    await driver.on_intent(env_of(intent((), now, ident="i2"), now))
    await settle(driver)

    assert len(gateway.cancels) == 2 and gateway.cancels[0] == gateway.cancels[1]
    assert gateway.book == {}


async def test_a_halt_cancels_everything_at_once_and_places_nothing_after() -> None:
    gateway = FakeGateway()
    driver, upkeep = await started(gateway)
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000,), now), now))
    await settle(driver)

    await driver.set_mode("HALTED")
    await settle(driver)
    await driver.on_intent(env_of(intent((410_000,), now, ident="i2"), now))
    await upkeep.tick()
    await settle(driver)

    assert gateway.cancel_alls == 1 and gateway.book == {}
    assert len(gateway.posts) == 1


async def test_while_the_user_feed_was_never_seen_up_nothing_is_placed() -> None:
    gateway = FakeGateway()
    driver, upkeep, clock = make_driver(gateway, watch_user_feed=True)
    await upkeep.keepalive.beat()
    for _ in range(3):
        await upkeep.tick()
        await settle(driver)
    await driver.on_intent(env_of(intent((400_000,), clock.now_ms()), clock.now_ms()))
    await upkeep.tick()
    await settle(driver)

    assert driver.blind
    assert gateway.posts == []


async def test_a_stop_cancels_every_order_even_with_posts_in_flight() -> None:
    gateway = FakeGateway()
    driver, upkeep = await started(gateway)
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000, 390_000), now), now))

    await upkeep.shutdown()

    assert gateway.cancel_alls == 1
    assert gateway.book == {}
    assert driver.core.tracker.count(OrderState.LIVE) == 0


async def test_a_stop_keeps_cancelling_through_a_burst_of_rate_limits_until_its_budget() -> None:
    """A chaos soak stopped inside a 429 storm: the cancel-all gave up after the usual five tries and
    left our orders resting on the venue; then the backoff between its tries grew to seconds (full
    jitter up to 5 s) and ten 429s in a row outlasted the 4-s budget most of the time."""
    gateway = FakeGateway()
    driver, upkeep = await started(gateway)
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000, 390_000), now), now))
    await settle(driver)
    gateway.cancel_errors = [RateLimited(429, "Too Many Requests") for _ in range(10)]

    await upkeep.shutdown()

    assert gateway.book == {} and gateway.cancel_errors == []


async def test_an_order_event_that_beats_the_post_answer_is_applied_after_it_and_the_order_is_placed() -> None:
    gateway = FakeGateway()
    driver, _ = await started(gateway)

    async def feed_first(ids: list[str]) -> None:
        for order_id in ids:
            await driver.on_order_event(gateway.event(order_id, "LIVE"))

    gateway.during_post = feed_first
    now = driver.now()

    await driver.on_intent(env_of(intent((400_000,), now), now))
    await settle(driver)

    orders = [driver.core.tracker.get(i) for i in gateway.book]
    assert all(o is not None and o.state is OrderState.LIVE and o.ack_ms is not None for o in orders)
    placed = [r for r in await reports_of(driver) if r.kind == "placed"]
    resolved = [r for r in await reports_of(driver) if r.kind == "resolved"]
    assert len(placed) == 2 and resolved == []


async def test_an_intent_past_valid_until_is_dropped_counted_and_reported() -> None:
    gateway = FakeGateway()
    driver, _ = await started(gateway)
    now = driver.now()

    await driver.on_intent(env_of(intent((400_000,), now - 20_000, valid_ms=5_000), now))
    await settle(driver)

    assert gateway.posts == []
    assert driver.core.intents_dropped == 1
    assert [r.kind for r in await reports_of(driver)] == ["intent_dropped"]


async def test_reduce_only_buys_only_the_outcome_that_pairs_what_the_ledger_says_we_hold() -> None:
    gateway = FakeGateway()
    driver, _ = await started(gateway)
    await driver.set_mode("REDUCE_ONLY")
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000,), now), now))
    await settle(driver)
    assert gateway.posts == [], "bought with the holding unknown"

    held = MarketPosition(market=MARKET, outcomes=(holding(UP, "Up", 10_000_000), holding(DOWN, "Down", 0)),
                          mergeable_full_sets_micro=0, realized_pnl_micro=0, unrealized_pnl_micro=0,
                          taker_fees_paid_micro=0, maker_fee_equivalent_micro=0, rebate_estimate_micro=0,
                          at_ms=now)  # fmt: skip
    await driver.ctx.redis.hset(state.POSITIONS, MARKET, held.model_dump_json())
    await driver.on_intent(env_of(intent((400_000,), now, ident="i2"), now))
    await settle(driver)

    assert [gateway.book[i].slot.token_id for i in gateway.book] == [DOWN]


def holding(token: str, outcome: str, shares: int) -> OutcomePosition:
    return OutcomePosition(token_id=token, outcome=outcome, matched_shares_micro=shares, mined_shares_micro=0,
                           confirmed_shares_micro=0, shares_micro=shares, cost_micro=0, avg_cost_micro=0,
                           mark_micro=None, unrealized_pnl_micro=0)  # fmt: skip


async def test_at_start_a_stray_order_is_cancelled_before_anything_is_placed_beside_it() -> None:
    gateway = FakeGateway()
    driver, upkeep, clock = make_driver(gateway)
    now = clock.now_ms()
    stray = PlaceSpec(Slot(MARKET, UP, "BUY", 0), "old-life", 400_000, 10_000_000, "GTC", True, 10_000)
    stray_id, _ = gateway.prepare(stray, now - 60_000)
    gateway.book[stray_id] = stray  # left by a previous life of the executor
    gateway.cancel_gate = asyncio.Event()
    await upkeep.keepalive.beat()
    await driver.on_intent(env_of(intent((400_000,), now), now))

    starting = asyncio.create_task(upkeep.tick())
    await asyncio.sleep(0.05)
    assert gateway.cancels == [[stray_id]]
    assert gateway.posts == [], "placed beside a stray whose cancel was still in flight"

    gateway.cancel_gate.set()
    await starting
    await settle(driver)
    assert stray_id not in gateway.book
    assert [len(p) for p in gateway.posts] == [2]


async def test_tick_to_cancel_is_one_sample_per_exposed_order_from_the_move_to_the_cancel_leaving() -> None:
    gateway = FakeGateway()
    driver, _ = await started(gateway)
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000, 390_000), now), now))
    await settle(driver)
    moved = intent((380_000, 370_000), now + 1, ident="i2").model_copy(update={"fair_move": True})

    await driver.on_intent(env_of(moved, now + 1))  # every bid now above the desired ladder: exposed
    await settle(driver)

    assert sorted(i for batch in gateway.cancels for i in batch) == sorted(gateway.posts[0])
    assert driver.latency.summary()["tick_to_cancel.count"] == "4"


async def test_a_cancel_after_a_plain_intent_gives_no_tick_to_cancel_sample() -> None:
    gateway = FakeGateway()
    driver, _ = await started(gateway)
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000,), now), now))
    await settle(driver)

    await driver.on_intent(env_of(intent((380_000,), now + 1, ident="i2"), now + 1))
    await settle(driver)

    assert gateway.cancels and "tick_to_cancel.count" not in driver.latency.summary()


async def test_orders_kept_at_another_level_of_a_shifted_ladder_say_so_in_state_orders() -> None:
    gateway = FakeGateway()
    driver, _ = await started(gateway, config=dataclasses.replace(DEFAULT_CONFIG, relevel=True))
    now = driver.now()
    await driver.on_intent(env_of(intent((400_000, 390_000, 380_000), now), now))
    await settle(driver)
    at_400 = {o.slot.token_id: o.order_id for o in driver.core.tracker if o.price_micro == 400_000}

    # Up a tick: 0.40 is now level 1's price; the orders there stay and move to level 1.
    later = now + 100
    await driver.on_intent(env_of(intent((410_000, 400_000, 390_000), later, ident="i2"), later))
    await settle(driver)

    for order_id in at_400.values():
        order = driver.core.tracker.get(order_id)
        assert order is not None and order.state is OrderState.LIVE and order.slot.level == 1
        entry = json.loads(await driver.ctx.redis.hget(state.ORDERS, order_id))
        assert entry["level"] == 1 and entry["price_micro"] == 400_000
