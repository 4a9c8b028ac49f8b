"""The health key: a hash per worker instance that expires when the worker stops writing it."""

from __future__ import annotations

import os
import socket

from common import metrics
from common.runner.spec import Context, WorkerState

KEY_PREFIX = "health:"


def key(instance: str) -> str:
    return f"{KEY_PREFIX}{instance}"


async def beat(ctx: Context, started_ms: int) -> None:
    ttl_ms = ctx.settings.runner.health_ttl_s * 1000
    pipe = ctx.redis.pipeline(transaction=True)
    pipe.hset(key(ctx.instance), mapping={
        "worker": ctx.name, "instance": ctx.instance, "state": ctx.state.value, "pid": os.getpid(),
        "host": socket.gethostname(), "started_ms": started_ms, "ts_ms": ctx.clock.now_ms(),
        "metrics_port": ctx.settings.runner.metrics_port,
    })  # fmt: skip
    pipe.pexpire(key(ctx.instance), ttl_ms)
    await pipe.execute()
    for state in WorkerState:
        metrics.WORKER_STATE.labels(ctx.name, state.value).set(1 if state is ctx.state else 0)
