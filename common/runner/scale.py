"""A stage run as several instances that split the series between them (``runner.instances``).

Each instance keeps its leases (:mod:`common.runner.lease`) in a loop of its own and reads a
per-series input (``Input(per_series=True)``: ``signal.<series>``, ``book.<series>``, ...) only
while it owns the series, with the group's one consumer named after the instance. When it gains a
series it first claims every entry of that stream still pending in the group (``XAUTOCLAIM`` from
the start, whoever had them: the previous owner is dead or has given the series up), handles them
in order, then reads what comes next: per-series order is kept, and as outputs and acks are
written together (``Consumer``), nothing is handled twice. Every other input reaches every instance
through a group of the instance's own (``<group>.<instance>``), as ``ctl`` does.

One instance (the default) takes no lease and reads everything as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import redis.asyncio as aioredis

from common.config.errors import ConfigError
from common.config.settings import METRICS_PORT_STRIDE, Settings
from common.runner import health
from common.runner.consume import Consumer
from common.runner.lease import SeriesLeases
from common.runner.spec import Context, Input, WorkerSpec
from common.series import series_keys

#: Entries claimed per XAUTOCLAIM call when a series is taken over.
CLAIM_COUNT = 512


def leases_for(spec: WorkerSpec, settings: Settings, redis: aioredis.Redis, instance: str) -> SeriesLeases | None:
    """The instance's leases when its stage runs several instances; None for a single instance."""
    if settings.runner.instances_of(spec.name) <= 1:
        return None
    return SeriesLeases(redis, worker=spec.name, instance=instance, series=series_keys(settings),
                        lease_ms=settings.runner.series_lease_ms)  # fmt: skip


def group_of(spec: WorkerSpec, inp: Input, instance: str, scaled: bool) -> str:
    """The input's group: shared by the stage, or the instance's own when each must see everything."""
    group = inp.group or spec.name
    return f"{group}.{instance}" if scaled and not inp.per_series else group


def metrics_port(settings: Settings) -> int:
    """The instance's metrics port: the stage's, moved up a stride per instance (0 stays off)."""
    port = settings.runner.metrics_port
    return port + settings.runner.instance_index * METRICS_PORT_STRIDE if port else 0


def series_of_stream(stream: str) -> str:
    """``signal.btc-updown-15m`` -> ``btc-updown-15m``."""
    return stream.partition(".")[2]


async def name_in_use_elsewhere(redis: aioredis.Redis, instance: str, host: str) -> str | None:
    """The other machine a live instance of this name runs on (its health hash says so), if any:
    two holders of one name would both hold its leases (``runner.host_tag`` tells machines apart)."""
    other = await redis.hget(health.key(instance), "host")
    name = other.decode() if isinstance(other, bytes) else other
    return name if name and name != host else None


async def refuse_a_name_in_use(ctx: Context) -> None:
    """A scaled instance does not start under a name a live instance on another machine has."""
    if ctx.leases is not None:
        other = await name_in_use_elsewhere(ctx.redis, ctx.instance, socket.gethostname())
        if other is not None:
            raise ConfigError(f"instance {ctx.instance} already runs on {other}: give each machine its runner.host_tag")


async def keep_leases(ctx: Context, spec: WorkerSpec, leases: SeriesLeases) -> None:
    """Step the leases every renewal period; tell the stage what it gained and lost."""
    first = True
    while True:
        change = await leases.step()
        if change.gained or change.lost:
            # The first series an instance takes are its start; later changes are takeovers: loud.
            say = ctx.log.info if first and not change.lost else ctx.log.warning
            first = False
            say("series_owned", gained=list(change.gained), lost=list(change.lost), held=leases.held())
            if spec.on_series is not None:
                await spec.on_series(ctx, change.gained, change.lost)
        if not await ctx.sleep(leases.renew_s):
            return


async def consume_owned(ctx: Context, leases: SeriesLeases, consumer: Consumer, series: str) -> None:
    """Run the consumer of one series' stream while this instance owns the series."""
    reader = consumer.reader
    while not ctx.stopping.is_set():
        if not leases.holds(series):
            changed = leases.changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=leases.renew_s)
            continue
        leases.busy(series)
        try:
            await reader.ensure_group()
            claimed = await take_pending(ctx.redis, reader.stream, reader.group, reader.consumer)
            ctx.log.info("series_consuming", series=series, stream=reader.stream, claimed=claimed)
            await consumer.run()
        finally:
            leases.idle(series)


async def take_pending(redis: aioredis.Redis, stream: str, group: str, consumer: str) -> int:
    """Claim every entry of the group still pending on the stream, whoever had it; how many there
    were. The claim counts a delivery (the previous owner may have died of one of them)."""
    start, taken = "0-0", 0
    while True:
        reply = await redis.xautoclaim(stream, group, consumer, min_idle_time=0, start_id=start, count=CLAIM_COUNT)
        taken += len(reply[1])
        start = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])
        if start == "0-0":
            return taken
