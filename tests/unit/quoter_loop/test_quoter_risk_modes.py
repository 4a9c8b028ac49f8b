"""The quoter loop on a real Redis when it must add no risk: a stopped or lagging ledger makes it
buy nothing (and say why), and a flatten survives a restart, sells what is unpaired and is
reported once when nothing is left."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence

import pytest
import redis.asyncio as aioredis

from bench.feed_book import MARKET, TOKENS, record
from common import state
from common.bus import streams
from common.bus.codec import encode
from common.bus.writer import Emit, Writer
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from common.logs import get_logger
from common.runner import control
from common.runner.health import key as health_key
from common.runner.spec import Context
from common.schemas.book import BestBidAsk
from common.schemas.intent import Intent
from common.schemas.market import MarketRecord
from common.schemas.positions import AccountPosition, MarketPosition, OutcomePosition
from tests.unit.ledger.builders import fill
from tests.unit.quoter_loop.test_user_feed_pull import envelope, signal_for
from workers.quoter import worker

#: Quoters started by the running test (their writers' lanes are closed after it).
STARTED: list[Context] = []


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    while STARTED:
        await STARTED.pop().writer.aclose()
    await client.aclose()


async def start_quoter(redis: aioredis.Redis) -> Context:
    settings = load_settings(env={"UPDOWN_SERIES": '["btc-15m"]'})
    ctx = Context(name="quoter", instance="quoter-0", settings=settings, redis=redis, log=get_logger("quoter"),
                  writer=Writer(redis, "quoter", settings.bus, SYSTEM_CLOCK), clock=SYSTEM_CLOCK)  # fmt: skip
    STARTED.append(ctx)
    await worker.setup(ctx)
    await worker.handle(ctx, envelope(market()))
    return ctx


def market() -> MarketRecord:
    return record()


async def look_at_the_ledger(ctx: Context) -> None:
    """One round of the quoter's ledger watch (its source loop, stopped after one look)."""
    ctx.stopping.set()
    await worker.SPEC.source(ctx)  # type: ignore[misc]
    ctx.stopping.clear()


async def intent_on_signal(ctx: Context) -> Intent:
    m = market()
    emits: Sequence[Emit] = await worker.handle(ctx, envelope(signal_for(m.series or "", m.slug, m.window_end_ms or 0)))
    [intent] = [e.body for e in emits if isinstance(e.body, Intent)]
    return intent


async def ledger_running(redis: aioredis.Redis) -> None:
    await redis.hset(health_key("ledger-0"), mapping={"worker": "ledger", "instance": "ledger-0", "state": "running"})


def position(up_micro: int, down_micro: int) -> MarketPosition:
    def outcome(token: str, name: str, shares: int) -> OutcomePosition:
        return OutcomePosition(token_id=token, outcome=name, matched_shares_micro=0, mined_shares_micro=0,
                               confirmed_shares_micro=shares, shares_micro=shares, cost_micro=shares // 2,
                               avg_cost_micro=500_000 if shares else 0, mark_micro=None,
                               unrealized_pnl_micro=0)  # fmt: skip

    now = int(time.time() * 1000)
    return MarketPosition(market=MARKET, slug=market().slug, at_ms=now, mergeable_full_sets_micro=0,
                          outcomes=(outcome(TOKENS[0], "Up", up_micro), outcome(TOKENS[1], "Down", down_micro)),
                          realized_pnl_micro=0, unrealized_pnl_micro=0, taker_fees_paid_micro=0,
                          maker_fee_equivalent_micro=0, rebate_estimate_micro=0)  # fmt: skip


def account() -> AccountPosition:
    return AccountPosition(cash_micro=10**10, equity_at_cost_micro=10**10, realized_pnl_micro=0, unrealized_pnl_micro=0,
                           taker_fees_paid_micro=0, rebate_estimate_micro=0, at_ms=int(time.time() * 1000))  # fmt: skip


async def publish_positions(redis: aioredis.Redis, held: MarketPosition) -> None:
    """What the ledger leaves in ``state:positions``: the market and the account beside it."""
    await redis.hset(
        state.POSITIONS, mapping={MARKET: held.model_dump_json(), state.ACCOUNT: account().model_dump_json()}
    )


async def test_a_quoter_whose_ledger_is_not_running_buys_nothing_and_says_why(redis: aioredis.Redis) -> None:
    ctx = await start_quoter(redis)
    await look_at_the_ledger(ctx)

    intent = await intent_on_signal(ctx)

    assert intent.orders == () and intent.takers == ()
    assert intent.reason == "ledger_down" and intent.mode == "REDUCE_ONLY"


async def test_a_quoter_whose_ledger_lags_the_fills_buys_nothing_until_it_catches_up(redis: aioredis.Redis) -> None:
    await ledger_running(redis)
    await publish_positions(redis, position(0, 0))
    await redis.xgroup_create(streams.FILLS, "ledger", id="0", mkstream=True)
    now = int(time.time() * 1000)
    lag = load_settings(env={}).quoter.max_position_lag_ms
    old = await redis.xadd(streams.FILLS, encode(fill("t1"), src="feed-user", key=MARKET, event_ms=now, ingest_ms=now,
                                                 emit_ms=now), id=f"{now - lag - 1_000}-0")  # fmt: skip
    ctx = await start_quoter(redis)
    await look_at_the_ledger(ctx)
    lagging = await intent_on_signal(ctx)

    await redis.xreadgroup("ledger", "ledger-0", {streams.FILLS: ">"})  # delivered, not yet booked
    await look_at_the_ledger(ctx)
    still = await intent_on_signal(ctx)
    await redis.xack(streams.FILLS, "ledger", old)  # booked
    await look_at_the_ledger(ctx)
    caught_up = await intent_on_signal(ctx)

    assert lagging.orders == () and lagging.reason == "positions_lagging_fills"
    assert still.orders == () and still.reason == "positions_lagging_fills"
    assert caught_up.orders and caught_up.reason == "quoting" and caught_up.mode == "ACTIVE"


async def test_a_flatten_survives_a_quoter_restart_and_sells_only_the_unpaired_shares(redis: aioredis.Redis) -> None:
    await ledger_running(redis)
    await publish_positions(redis, position(up_micro=20_000_000, down_micro=5_000_000))
    await control.issue(redis, "flatten", issued_by="test", reason="close", clock=SYSTEM_CLOCK)

    ctx = await start_quoter(redis)  # a quoter started after the flatten: it reads the mode
    await look_at_the_ledger(ctx)
    for token in TOKENS:
        now = int(time.time() * 1000)
        await worker.handle(ctx, envelope(BestBidAsk(market=MARKET, asset_id=token, best_bid_micro=480_000,
                                                     best_ask_micro=520_000, source="book", venue_ts_ms=now,
                                                     recv_ts_ms=now)))  # fmt: skip
    intent = await intent_on_signal(ctx)

    assert await control.control_mode(redis) == "FLATTENING"
    assert await control.trading_mode(redis) == "REDUCE_ONLY"  # what the executor applies
    assert intent.mode == "REDUCE_ONLY" and intent.reason == "flatten_selling" and intent.takers == ()
    assert [(o.side, o.outcome, o.size_micro) for o in intent.orders] == [("SELL", "UP", 15_000_000)]


async def test_a_flatten_is_reported_flat_once_even_across_a_restart(redis: aioredis.Redis) -> None:
    await ledger_running(redis)
    await publish_positions(redis, position(up_micro=20_000_000, down_micro=0))
    await control.issue(redis, "flatten", issued_by="test", reason="close", clock=SYSTEM_CLOCK)
    ctx = await start_quoter(redis)
    await look_at_the_ledger(ctx)
    await worker.handle(ctx, envelope(position(up_micro=20_000_000, down_micro=0)))
    assert await redis.xlen(streams.AUDIT) == 1  # only the flatten issued: not flat yet

    await worker.handle(ctx, envelope(position(0, 0)))  # sold
    await worker.handle(ctx, envelope(position(0, 0)))
    await publish_positions(redis, position(0, 0))
    again = await start_quoter(redis)
    await look_at_the_ledger(again)
    await worker.handle(again, envelope(position(0, 0)))

    audit = [fields for _, fields in await redis.xrange(streams.AUDIT)]
    assert [(f[b"action"], f[b"outcome"]) for f in audit] == [(b"flatten", b"issued"), (b"flatten", b"flat")]
    assert await control.control_mode(redis) == "FLATTENING"  # until resume or halt
    await control.issue(redis, "resume", issued_by="test", reason="", clock=SYSTEM_CLOCK)
    assert await control.control_mode(redis) == "ACTIVE" and not await redis.exists(control.FLAT_KEY)
