"""Publish a numbered heartbeat on ``hb`` every ``heartbeat.interval_ms``.

The sequence number comes from a Redis counter, so it keeps counting across restarts.
"""

from __future__ import annotations

from common.bus import streams
from common.runner import Context, WorkerSpec
from common.schemas.heartbeat import Heartbeat

SEQ_KEY = "hb:seq"


async def beat(ctx: Context) -> None:
    interval_s = ctx.settings.heartbeat.interval_ms / 1000
    while await ctx.sleep(interval_s):
        if ctx.active:
            seq = int(await ctx.redis.incr(SEQ_KEY))
            await ctx.publish(streams.HEARTBEAT, Heartbeat(seq=seq, producer=ctx.instance), key="demo")


SPEC = WorkerSpec(name="hb-producer", source=beat)
