"""feed-user's loop without the runner or a socket: a Context on a real Redis, frames handed in."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from common.bus.codec import decode
from common.bus.writer import Writer
from common.clock import ManualClock
from common.config import load_settings
from common.logs import get_logger
from common.runner import Context
from workers.feed_user import worker

OURS = "key-ours"
THEIRS = "key-theirs"
T0_MS = 1_800_000_000_000


@asynccontextmanager
async def feed_user(redis_url: str, clock: ManualClock | None = None, **env: str) -> AsyncIterator[Context]:
    """A started feed-user (credentials, no wallet key: no venue reads unless a test adds them)."""
    settings = load_settings(env={"REDIS_URL": redis_url, "UPDOWN_SECRETS_DIR": "/nonexistent/updown-secrets",
                                  "UPDOWN_WALLET__API_KEY": OURS, "UPDOWN_WALLET__API_SECRET": "c2VjcmV0",
                                  "UPDOWN_WALLET__API_PASSPHRASE": "pass", **env})  # fmt: skip
    clock = clock or ManualClock(T0_MS)
    redis = aioredis.Redis.from_url(redis_url)
    ctx = Context(name="feed-user", instance="feed-user-0", settings=settings, redis=redis,
                  writer=Writer(redis, "feed-user", settings.bus, clock), log=get_logger("feed-user"),
                  clock=clock)  # fmt: skip
    try:
        assert worker.SPEC.setup is not None
        await worker.SPEC.setup(ctx)
        yield ctx
    finally:
        if worker.SPEC.teardown is not None:  # as the runner does
            await worker.SPEC.teardown(ctx)
        await ctx.writer.aclose()
        await redis.aclose()


def trade(trade_id: str, status: str = "MATCHED", order_id: str = "o-ours", match_s: int = T0_MS // 1000,
          **changes: object) -> dict[str, object]:  # fmt: skip
    """A trade event where our resting order was the maker (the venue's user-channel shape)."""
    maker = {"order_id": order_id, "owner": OURS, "matched_amount": "10", "price": "0.40", "asset_id": "UP",
             "side": "BUY", "outcome": "Up"}  # fmt: skip
    body: dict[str, object] = {
        "event_type": "trade", "type": "TRADE", "id": trade_id, "status": status, "market": "0xm",
        "asset_id": "UP", "side": "SELL", "price": "0.40", "size": "10", "taker_order_id": "o-taker",
        "trader_side": "MAKER", "owner": THEIRS, "match_time": str(match_s), "timestamp": str(match_s * 1000),
        "maker_orders": [maker],
    }  # fmt: skip
    return body | changes


async def entries(ctx: Context, stream: str) -> list[dict[bytes, bytes]]:
    return [fields for _, fields in await ctx.redis.xrange(stream)]


async def fill_ids(ctx: Context) -> list[str]:
    return [decode(fields).body.fill_id for fields in await entries(ctx, "fills")]  # type: ignore[attr-defined]


def frame(*events: dict[str, object]) -> str:
    return json.dumps(list(events))
