"""The executor's Redis state: reports on ``exec``, live orders in ``state:orders``, and what it reads
of the ledger's ``state:positions`` (REDUCE_ONLY needs to know which outcome is unpaired)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from common import state
from common.bus import streams
from common.runner import Context
from common.schemas.exec import ExecReport
from common.schemas.positions import MarketPosition
from workers.executor.core import ExecutorCore, LocalOrder
from workers.executor.meters import Meters

if TYPE_CHECKING:
    import redis.asyncio as aioredis

#: Report kinds worth a warning in the log (the rest are counted and published only).
_LOUD = {"rejected", "unknown", "quarantined", "stray_cancelled", "intent_dropped"}


async def publish_reports(ctx: Context, core: ExecutorCore, meters: Meters, reports: list[ExecReport]) -> None:
    """Reports on ``exec`` (stamped with the feed event behind them); ``state:orders`` follows them."""
    if not reports:
        return
    pipe = ctx.redis.pipeline(transaction=False)
    for report in reports:
        meters.report(report.kind)
        if report.kind == "intent_dropped":
            meters.dropped.inc()
        if report.kind in _LOUD:
            ctx.log.warning("order_report", kind=report.kind, market=report.market, order_id=report.order_id,
                            reason=report.reason)  # fmt: skip
        stamp = report.tick_ms or report.at_ms
        pipe.xadd(streams.EXEC, ctx.writer.fields(report, key=report.market, event_ms=int(stamp), ingest_ms=stamp))
        if report.order_id:
            order = core.tracker.get(report.order_id)
            if order is not None and order.maybe_live:
                pipe.hset(state.ORDERS, report.order_id, order_json(order, ctx.instance))
            else:
                pipe.hdel(state.ORDERS, report.order_id)
    await pipe.execute()


def order_json(order: LocalOrder, instance: str) -> str:
    """An order of ``state:orders``, with the executor instance that placed it."""
    slot = order.slot
    return json.dumps({"order_id": order.order_id, "instance": instance, "market": slot.market,
                       "token_id": slot.token_id, "side": slot.side, "level": slot.level, "intent_id": order.intent_id,
                       "price_micro": order.price_micro, "size_micro": order.size_micro,
                       "size_matched_micro": order.size_matched_micro, "order_type": order.order_type,
                       "state": order.state.value, "created_ms": order.created_ms, "tick_ms": order.tick_ms,
                       "sent_ms": order.sent_ms, "ack_ms": order.ack_ms})  # fmt: skip


async def excess_up_micro(redis: aioredis.Redis, market: str) -> int | None:
    """Up minus Down shares held in a window per the ledger; None when unknown (no buys then)."""
    try:
        position = await state.get(redis, state.POSITIONS, market, MarketPosition)
    except ValueError:
        return None
    shares = {o.outcome.lower(): o.shares_micro for o in position.outcomes} if position else {}
    if "up" not in shares or "down" not in shares:
        return None
    return shares["up"] - shares["down"]


async def forget_orders_of(redis: aioredis.Redis, instance: str) -> int:
    """Drop an instance's entries from ``state:orders`` (its start rebuilds them from the venue);
    the other instances' stay. How many went."""
    mine = [k for k, v in (await redis.hgetall(state.ORDERS)).items() if json.loads(v).get("instance") == instance]
    if mine:
        await redis.hdel(state.ORDERS, *mine)
    return len(mine)
