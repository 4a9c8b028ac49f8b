"""Worker specs for the delivery-counting tests: handlers that fail for the infrastructure's sake
(run as ``updown worker tests.integration.bus.workers_infra_failures:ATTR``)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

from redis.exceptions import ConnectionError as RedisConnectionError

from common.bus.envelope import Envelope
from common.errors import VenueBusy
from common.runner import Context, Emit, Input, WorkerSpec
from common.schemas.heartbeat import Heartbeat, HeartbeatSeen

IN_STREAM = "t.infra.in"
OUT_STREAM = "t.infra.out"
#: Each entry fails this many times before it goes through: more than ``bus.max_deliveries`` (5).
FAILURES = 8


def attempts_key(entry_id: str) -> str:
    return f"test:attempts:{entry_id}"


async def _handle(ctx: Context, env: Envelope, error: Exception) -> Sequence[Emit]:
    assert isinstance(env.body, Heartbeat)
    if int(await ctx.redis.incr(attempts_key(env.id))) <= FAILURES:
        raise error
    seen = HeartbeatSeen(seq=env.body.seq, producer=env.body.producer, relay=ctx.instance, hop_us=0)
    return [Emit(OUT_STREAM, seen)]


async def redis_away(ctx: Context, env: Envelope) -> Sequence[Emit]:
    """As a handler whose own Redis call finds Redis gone (a ledger reading a hash mid-outage)."""
    return await _handle(ctx, env, RedisConnectionError("Connection closed by server."))


async def venue_busy(ctx: Context, env: Envelope) -> Sequence[Emit]:
    """As a handler whose venue call is answered 503 (engine restarting)."""
    return await _handle(ctx, env, VenueBusy(503, "engine restarting"))


def hold_file() -> Path:
    """While this file exists the ``held`` handler waits (the test stops Redis meanwhile)."""
    return Path(os.environ["UPDOWN_DATA_DIR"]) / "hold"


def attempts_file() -> Path:
    """One line per call of the ``held`` handler (kept outside Redis, which the test stops)."""
    return Path(os.environ["UPDOWN_DATA_DIR"]) / "attempts"


async def held(ctx: Context, env: Envelope) -> Sequence[Emit]:
    """Waits while told to, then books the entry with a Redis call: Redis may be gone by then."""
    assert isinstance(env.body, Heartbeat)
    with attempts_file().open("a") as f:
        f.write(f"{env.id}\n")
    while hold_file().exists():
        await asyncio.sleep(0.02)
    await ctx.redis.set(f"test:booked:{env.body.seq}", "1")
    return [Emit(OUT_STREAM, HeartbeatSeen(seq=env.body.seq, producer=env.body.producer, relay=ctx.instance,
                                           hop_us=0))]  # fmt: skip


REDIS_AWAY = WorkerSpec(name="redis-away", inputs=(Input(IN_STREAM),), handle=redis_away)
VENUE_BUSY = WorkerSpec(name="venue-busy", inputs=(Input(IN_STREAM),), handle=venue_busy)
HELD = WorkerSpec(name="held", inputs=(Input(IN_STREAM),), handle=held)
