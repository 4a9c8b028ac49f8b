"""rewards: which of our live orders score, what they earn, and hints that would make them score.

Every :data:`OBSERVE_S` it reads our live orders (``state:orders``, the executor's) and each
market's book (``state:book:<Up token>``), asks the venue which orders score (``POST
/orders-scoring``, batched), scores them with the venue's formula (``workers.rewards.core``), and
publishes on ``rewards``: hints for the quoter (it follows them only inside its own limits) and,
every :data:`ESTIMATE_EVERY_MS` and when a window resolves, the window's running estimate.
Markets (reward band, minimum size, fee schedule) come from ``markets``; our maker fills (rebate
accrual) from ``fills``. The venue's scoring answer wins over our estimate; disagreements are counted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_account import Account

from common import state
from common.bus import streams
from common.bus.envelope import Envelope
from common.clob.client import AsyncClobClient
from common.config.settings import Mode
from common.fees import FeeSchedule
from common.runner import Context, Emit, Input, WorkerSpec
from common.schemas.book import BookSnapshot
from common.schemas.market import MarketLifecycle, MarketRecord
from common.schemas.user import Fill
from common.ticks import TickGrid
from workers.credentials import api_creds, wait_for_credentials
from workers.rewards import metrics
from workers.rewards.core import (
    LiveOrder,
    Observation,
    RewardConfig,
    RewardTally,
    UnifiedBook,
    add_maker_fill,
    observe,
    plan_hints,
    reconcile,
    score_market,
    scoring_batches,
    scoring_sides,
)
from workers.rewards.core.publish import estimate_message, hint_message
from workers.rewards.core.types import OutcomeName

#: How often our orders are scored (the venue samples once a minute at a random moment).
OBSERVE_S = 2.0
#: How often a window's running estimate is published.
ESTIMATE_EVERY_MS = 10_000
PPM = Decimal(1_000_000)


@dataclass
class Tracked:
    record: MarketRecord
    tally: RewardTally
    published_ms: int = 0
    mismatches: int = 0

    @property
    def series(self) -> str:
        return self.record.series or "unknown"

    @property
    def schedule(self) -> FeeSchedule:
        fs = self.record.fee_schedule
        if fs is None:
            return FeeSchedule(rate=Decimal(0), exponent=1)
        return FeeSchedule(rate=Decimal(fs.rate_ppm) / PPM, exponent=fs.exponent, taker_only=fs.taker_only,
                           rebate_rate=Decimal(fs.rebate_rate_ppm) / PPM)


async def setup(ctx: Context) -> None:
    tracked: dict[str, Tracked] = {}
    for record in (await state.get_all(ctx.redis, state.MARKETS, MarketRecord)).values():
        if record.winner_index is None:
            tracked[record.condition_id] = Tracked(record, RewardTally(record.slug))
    ctx.resources.update(tracked=tracked, client=None)
    if ctx.settings.mode is Mode.PAPER:
        return  # no keys: our estimate alone
    creds = await wait_for_credentials(ctx)
    if creds is None:
        return
    key = ctx.settings.wallet.private_key
    if key is None:
        ctx.log.warning("no_wallet_address", reason="orders-scoring needs the signer address; estimates only")
        return
    # Only the public address is kept (POLY_ADDRESS of L2 requests); the key is not.
    address = Account.from_key(key.get_secret_value()).address
    client = AsyncClobClient(ctx.settings.venue.clob_url, ctx.clock, address=address, creds=api_creds(creds))
    await client.sync_time()
    ctx.resources["client"] = client


async def teardown(ctx: Context) -> None:
    if ctx.resources.get("client") is not None:
        await ctx.resources["client"].aclose()


async def handle(ctx: Context, env: Envelope) -> Sequence[Emit]:
    tracked: dict[str, Tracked] = ctx.resources["tracked"]
    body = env.body
    if isinstance(body, MarketRecord):
        entry = tracked.get(body.condition_id)
        if entry is None and body.winner_index is None:
            tracked[body.condition_id] = Tracked(body, RewardTally(body.slug))
        elif entry is not None:
            entry.record = body
    elif isinstance(body, Fill) and body.role == "MAKER" and body.status == "MATCHED":
        entry = tracked.get(body.market)
        if entry is not None:
            entry.tally = add_maker_fill(entry.tally, body.fill_id, body.size_micro, body.price_micro, entry.schedule)
    elif isinstance(body, MarketLifecycle) and body.phase == "resolved":
        entry = tracked.pop(body.condition_id, None)
        if entry is not None:
            final = estimate_message(entry.tally, (), entry.mismatches, **_window(entry, ctx.clock.now_ms()))
            metrics.WINDOW_REWARD_MICRO.labels(entry.series).inc(final.reward_micro)
            metrics.WINDOW_REBATE_MICRO.labels(entry.series).inc(final.rebate_micro)
            return [Emit(streams.REWARDS, final, key=body.condition_id)]
    return []


def _window(entry: Tracked, now_ms: int) -> dict[str, Any]:
    r = entry.record
    return {"market": r.condition_id, "series": entry.series, "window_start_ms": r.window_start_ms or 0,
            "window_end_ms": r.window_end_ms or 0, "now_ms": now_ms}


def live_orders(raw: dict[bytes, bytes], record: MarketRecord) -> list[LiveOrder]:
    """Our resting orders of one market, from the executor's ``state:orders`` JSON documents."""
    out = []
    for value in raw.values():
        doc = json.loads(value)
        if doc.get("market") != record.condition_id or doc.get("token_id") not in record.token_ids:
            continue
        remaining = int(doc["size_micro"]) - int(doc.get("size_matched_micro", 0))
        if remaining > 0:
            outcome: OutcomeName = "UP" if doc["token_id"] == record.token_ids[0] else "DOWN"
            out.append(LiveOrder(str(doc["order_id"]), outcome, doc["side"], int(doc["price_micro"]), remaining))
    return out


async def venue_scoring(ctx: Context, order_ids: list[str]) -> dict[str, bool]:
    client: AsyncClobClient | None = ctx.resources.get("client")
    answer: dict[str, bool] = {}
    if client is None:
        return answer
    for batch in scoring_batches(order_ids):
        try:
            answer.update(await client.orders_scoring(batch))
        except Exception as exc:  # the estimate stands alone until the venue answers again
            ctx.log.warning("orders_scoring_failed", error=repr(exc))
            break
    return answer


async def observe_market(ctx: Context, entry: Tracked, orders: dict[bytes, bytes], now_ms: int) -> list[Emit]:
    record = entry.record
    ours = live_orders(orders, record)
    raw_book = await ctx.redis.get(state.book_key(record.token_ids[0]))
    if raw_book is None:
        return []
    snap = BookSnapshot.model_validate_json(raw_book)
    book = UnifiedBook(snap.bids, snap.asks)
    config = RewardConfig.from_market(record)
    score = score_market(book, ours, config)
    records, mismatches = reconcile(score.orders, await venue_scoring(ctx, [o.order_id for o in ours]))
    one, two = scoring_sides(records)
    entry.tally = observe(entry.tally, Observation(now_ms, score.share, config.pool_daily_micro, one, two))
    entry.mismatches += mismatches
    series = entry.series
    metrics.SCORING_ORDERS.labels(series).set(sum(1 for r in records if r.scoring))
    metrics.VENUE_MISMATCHES.labels(series).inc(mismatches)
    tally = entry.tally
    if tally.observed_ms:
        metrics.TWO_SIDED_RATIO.labels(series).set(float(tally.two_sided_ratio))
        metrics.IN_BAND_RATIO.labels(series).set(tally.any_side_ms / tally.observed_ms)
    metrics.REWARD_SHARE.labels(series).set(float(score.share))
    metrics.ESTIMATED_REWARD_MICRO.labels(series).set(tally.reward_floor_micro)
    metrics.ESTIMATED_REBATE_MICRO.labels(series).set(tally.rebate_floor_micro)
    grid = TickGrid(snap.tick_size_micro or record.tick_size_micro)
    emits = []
    for plan in plan_hints(book, ours, config, grid):
        metrics.HINTS.labels(series, plan.hint.outcome.value, plan.reason).inc()
        emits.append(Emit(streams.REWARDS, hint_message(plan, record.condition_id, series, now_ms),
                          key=record.condition_id))
    if now_ms - entry.published_ms >= ESTIMATE_EVERY_MS:
        entry.published_ms = now_ms
        emits.append(Emit(streams.REWARDS, estimate_message(tally, records, entry.mismatches,
                                                            **_window(entry, now_ms)), key=record.condition_id))
    return emits


async def run(ctx: Context) -> None:
    while not ctx.stopping.is_set():
        if ctx.active:
            now_ms = ctx.clock.now_ms()
            orders = await ctx.redis.hgetall(state.ORDERS)
            for entry in list(ctx.resources["tracked"].values()):
                try:
                    for emit in await observe_market(ctx, entry, orders, now_ms):
                        await ctx.publish(emit.stream, emit.body, key=emit.key)
                except Exception as exc:  # one market's bad data must not stop the others
                    ctx.log.warning("rewards_observe_failed", market=entry.record.condition_id, error=repr(exc))
        if not await ctx.sleep(OBSERVE_S):
            return


SPEC = WorkerSpec(name="rewards", inputs=(Input(streams.MARKETS), Input(streams.FILLS)), handle=handle, source=run,
                  setup=setup, teardown=teardown, writes=(streams.REWARDS,))  # fmt: skip
