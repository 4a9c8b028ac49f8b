"""The rewards loop without the runner: our live orders from ``state:orders``, the book from
``state:book:<Up>``, hints and window estimates on ``rewards``, rebates from our maker fills."""

from __future__ import annotations

import json

import fakeredis

from common import state
from common.bus.codec import decode, encode
from common.bus.envelope import Envelope
from common.bus.writer import Writer
from common.clock import ManualClock
from common.config import load_settings
from common.logs import get_logger
from common.runner import Context
from common.schemas.base import Message
from common.schemas.book import BookSnapshot
from common.schemas.market import MarketLifecycle
from common.schemas.rewards import RewardEstimate, RewardHintMessage
from tests.unit.ledger.builders import DOWN, MARKET, T0, UP, fill, record
from workers.rewards import worker


def envelope(body: Message) -> Envelope:
    return decode(encode(body, src="test", key="", event_ms=T0, ingest_ms=T0, emit_ms=T0), f"{T0}-0")


async def started() -> Context:
    redis = fakeredis.aioredis.FakeRedis()
    clock = ManualClock(T0 + 60_000)
    settings = load_settings(env={"UPDOWN_MODE": "paper", "UPDOWN_SERIES": '["btc-15m"]'})
    ctx = Context(name="rewards", instance="rewards-0", settings=settings, redis=redis,
                  writer=Writer(redis, "rewards", settings.bus, clock), log=get_logger("rewards"), clock=clock)
    await redis.hset(state.MARKETS, record().slug, record().model_dump_json())
    await worker.setup(ctx)
    return ctx


async def arrange_book_and_order(ctx: Context, size_micro: int) -> None:
    # Others: Up bid 0.48 x 200, Up ask 0.52 x 200 → adjusted midpoint 0.50; ours: BUY Up 0.47.
    snap = BookSnapshot(market=MARKET, asset_id=UP, bids=((480_000, 200_000_000),), asks=((520_000, 200_000_000),),
                        best_bid_micro=480_000, best_ask_micro=520_000, tick_size_micro=10_000, venue_ts_ms=T0,
                        recv_ts_ms=T0)
    await ctx.redis.set(state.book_key(UP), snap.model_dump_json())
    order = {"order_id": "0xours", "market": MARKET, "token_id": UP, "side": "BUY", "price_micro": 470_000,
             "size_micro": size_micro, "size_matched_micro": 0}
    await ctx.redis.hset(state.ORDERS, "0xours", json.dumps(order))


async def test_an_order_below_the_reward_minimum_gets_a_size_hint_and_the_window_an_estimate() -> None:
    ctx = await started()
    await arrange_book_and_order(ctx, size_micro=20_000_000)
    entry = ctx.resources["tracked"][MARKET]

    emits = await worker.observe_market(ctx, entry, await ctx.redis.hgetall(state.ORDERS), T0 + 60_000)

    hints = [e.body for e in emits if isinstance(e.body, RewardHintMessage)]
    estimates = [e.body for e in emits if isinstance(e.body, RewardEstimate)]
    assert [(h.outcome, h.reason, h.order_id, h.target_size_micro) for h in hints] == [
        ("UP", "size", "0xours", 50_000_000)]
    assert [(e.live_orders, e.scoring_orders) for e in estimates] == [(1, 0)]


async def test_a_scoring_order_needs_no_hint_and_counts_as_scoring() -> None:
    ctx = await started()
    await arrange_book_and_order(ctx, size_micro=60_000_000)
    entry = ctx.resources["tracked"][MARKET]
    orders = await ctx.redis.hgetall(state.ORDERS)

    first = await worker.observe_market(ctx, entry, orders, T0 + 60_000)
    again = await worker.observe_market(ctx, entry, orders, T0 + 62_000)

    assert not any(isinstance(e.body, RewardHintMessage) for e in first + again)
    assert entry.tally.any_side_ms == 2_000
    assert [e.body.scoring_orders for e in first if isinstance(e.body, RewardEstimate)] == [1]


async def test_maker_fills_accrue_the_rebate_once_and_a_resolved_window_publishes_its_final_estimate() -> None:
    ctx = await started()
    maker = fill("t1", token=DOWN, price=500_000, size=100_000_000)

    await worker.handle(ctx, envelope(maker))
    await worker.handle(ctx, envelope(maker))  # redelivered
    [final] = await worker.handle(ctx, envelope(MarketLifecycle(
        series="btc-updown-15m", slug=record().slug, condition_id=MARKET, phase="resolved",
        window_start_ms=T0, window_end_ms=T0 + 900_000, at_ms=T0 + 960_000, cause="ws", winner_index=0)))

    # 100 shares × 0.07 × 0.5 × 0.5 = 1.75 pUSD of fee equivalent; 20 % of it is the rebate.
    assert isinstance(final.body, RewardEstimate)
    assert (final.body.fee_equivalent_micro, final.body.rebate_micro) == (1_750_000, 350_000)
    assert MARKET not in ctx.resources["tracked"]
