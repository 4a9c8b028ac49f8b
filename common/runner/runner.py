"""Run one worker: config, connections, signals, health, metrics, control, inputs, graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import traceback
from collections.abc import Awaitable, Callable

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from common import logs, metrics
from common.bus import streams
from common.bus.codec import DecodeError, decode
from common.bus.connection import connect
from common.bus.envelope import Envelope
from common.bus.reader import GroupReader
from common.bus.retention import Trimmer
from common.bus.writer import Writer
from common.clock import SYSTEM_CLOCK, Clock, EventClock, PinnedClock
from common.config.loader import worker_redis_user
from common.config.redact import redact_url
from common.config.settings import Settings
from common.errors import UpdownError, is_retryable
from common.latency import BUS_HOP, Spans, hop_span
from common.retry import Backoff
from common.runner import control, health, scale
from common.runner.consume import Consumer
from common.runner.follow import Follower
from common.runner.spec import Context, Input, WorkerSpec, WorkerState, instance_name
from common.runner.tracing import Tracer
from common.schemas.control import ControlCommand

_REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
#: How often consumer-group gauges are refreshed.
GAUGE_INTERVAL_S = 5.0
#: How long the loops cancelled at a stop get to unwind before the worker's connections close.
CANCELLED_UNWIND_S = 2.0


async def run_worker(
    spec: WorkerSpec, settings: Settings, *, instance: str | None = None, clock: Clock = SYSTEM_CLOCK
) -> int:
    instance = instance or instance_name(spec.name)
    if settings.runner.host_tag:
        instance = f"{instance}-{settings.runner.host_tag}"
    logs.configure(spec.name, settings.log.level)
    log = logs.get_logger(spec.name)
    metrics.serve(scale.metrics_port(settings), settings.runner.metrics_host)
    redis = connect(settings.redis, client_name=instance, user=worker_redis_user(spec.name))
    tracer = None
    if spec.trace and settings.runner.trace:
        pinned = PinnedClock(EventClock() if settings.runner.clock == "event" else clock)
        tracer, clock = Tracer(spec.name, pinned, run_ms=clock.now_ms()), pinned
    ctx = Context(name=spec.name, instance=instance, settings=settings, redis=redis,
                  writer=Writer(redis, spec.name, settings.bus, clock), log=log, clock=clock,
                  tracer=tracer)  # fmt: skip
    ctx.leases = leases = scale.leases_for(spec, settings, redis, instance)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _request_stop, ctx, sig)
    log.info("starting", instance=instance, mode=settings.mode.value, redis=redact_url(settings.redis.url),
             metrics_port=settings.runner.metrics_port)  # fmt: skip
    started_ms = clock.now_ms()
    await _guarded(ctx, "start", lambda: _start(ctx, spec), once=True)
    if ctx.stopping.is_set():
        await redis.aclose()
        return 0
    # Everything made so far (modules, config, cores) lives as long as the worker: move it out of
    # the collector's reach, so that its collections stay short and do not stall the hot path.
    gc.collect()
    gc.freeze()
    inputs = [(inp, stream) for inp in spec.inputs for stream in inp.resolve(settings)]
    hops = Spans(spec.name, {hop_span(spec.name, stream): BUS_HOP for _, stream in inputs})
    # runner.follow (a stress run): one loop in a recording's order first, the usual loops after it.
    follower = Follower(ctx, spec) if settings.runner.follow and tracer is not None else None
    tasks = [
        asyncio.create_task(_guarded(ctx, "health", lambda: _health_loop(ctx, started_ms)), name="health"),
        asyncio.create_task(_guarded(ctx, "control", lambda: _control_loop(ctx, spec, follower)), name="control"),
        asyncio.create_task(_guarded(ctx, "gauges", lambda: _gauge_loop(ctx, spec, hops)), name="gauges"),
    ]
    if leases is not None:
        tasks.append(asyncio.create_task(_guarded(ctx, "leases", lambda: scale.keep_leases(ctx, spec, leases)),
                                         name="leases"))  # fmt: skip
    readers: list[GroupReader] = []
    for inp, stream in inputs:
        group = scale.group_of(spec, inp, instance, leases is not None)
        reader = GroupReader(redis, stream=stream, group=group, consumer=instance,
                             cfg=settings.bus, block_ms=settings.redis.block_ms, start_id=inp.start_id)  # fmt: skip
        readers.append(reader)
        assert spec.handle is not None
        loop_name = f"consume:{stream}"
        tasks.append(asyncio.create_task(_guarded(ctx, loop_name, _consume(ctx, inp, reader, spec, hops, follower)),
                                         name=loop_name))  # fmt: skip
    if spec.source is not None:
        source = spec.source
        body: Callable[[], Awaitable[None]] = lambda: source(ctx)  # noqa: E731
        tasks.append(asyncio.create_task(_guarded(ctx, "source", follower.after(body) if follower else body),
                                         name="source"))  # fmt: skip
    if follower is not None:
        tasks.append(asyncio.create_task(_guarded(ctx, "follow", follower.run), name="follow"))
    crashed = await _until_stop_or_crash(ctx, tasks)
    ctx.state = WorkerState.STOPPING
    _, late = await asyncio.wait(tasks, timeout=settings.runner.stop_timeout_s)
    for task in late:
        task.cancel()
    if late:
        log.warning("stop_timeout", unfinished=len(late))
        # Let the cancelled loops unwind (their commands in flight give their connections back)
        # before the pool closes: otherwise those connections outlive the worker's run.
        await asyncio.wait(late, timeout=CANCELLED_UNWIND_S)
    if spec.teardown is not None:
        # Stopping is set by now, so not through _guarded (it runs bodies only until then).
        try:
            await asyncio.wait_for(spec.teardown(ctx), timeout=settings.runner.stop_timeout_s)
        except Exception as exc:
            log.exception("teardown_failed", error=repr(exc))
    with contextlib.suppress(*_REDIS_DOWN):
        if leases is not None:
            await leases.release_all()  # a peer takes the series at its next step, not a lease later
        await redis.delete(health.key(instance))
        if hops.names:
            await hops.write(redis)  # the last figures, for whoever reads them after the stop
    for reader in readers:  # a loop cancelled or crashed mid-read leaves its lane open otherwise
        with contextlib.suppress(*_REDIS_DOWN):
            await reader.aclose()
    await ctx.writer.aclose()
    await redis.aclose()
    log.info("stopped", instance=instance, crashed=crashed)
    return 1 if crashed else 0


def _consume(
    ctx: Context, inp: Input, reader: GroupReader, spec: WorkerSpec, hops: Spans, follower: Follower | None
) -> Callable[[], Awaitable[None]]:
    """The input's loop: a consumer, run only while the series is ours when the stage is scaled
    (following a schedule: once it is done; one instance then, ``RunnerSettings`` sees to it)."""
    assert spec.handle is not None
    leases = ctx.leases
    if leases is None or not inp.per_series:
        consumer = Consumer(ctx, reader, spec.handle, hops)
        return consumer.run if follower is None else follower.follows(consumer)
    series = scale.series_of_stream(reader.stream)
    consumer = Consumer(ctx, reader, spec.handle, hops, owns=lambda: leases.holds(series))
    return lambda: scale.consume_owned(ctx, leases, consumer, series)


async def _until_stop_or_crash(ctx: Context, tasks: list[asyncio.Task[None]]) -> bool:
    """Wait for a stop request; a loop that dies first takes the whole worker down (True)."""
    stop = asyncio.ensure_future(ctx.stopping.wait())
    pending = {*tasks, stop}
    while not ctx.stopping.is_set():
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done - {stop}:
            exc = None if task.cancelled() else task.exception()
            if exc is None:
                continue
            # Never run half a worker: exit non-zero so supervisord restarts it and it shows.
            trace = "".join(traceback.format_exception(exc))
            ctx.log.critical("loop_crashed", loop=task.get_name(), error=repr(exc), traceback=trace)
            ctx.stopping.set()
            stop.cancel()
            return True
    stop.cancel()
    return False


def _request_stop(ctx: Context, sig: signal.Signals) -> None:
    if not ctx.stopping.is_set():
        ctx.log.info("stop_requested", signal=sig.name)
    ctx.stopping.set()


async def _start(ctx: Context, spec: WorkerSpec) -> None:
    await scale.refuse_a_name_in_use(ctx)
    ctx.state = await control.persisted_state(ctx.redis, ctx.name)
    if spec.setup is not None:
        await spec.setup(ctx)


async def _guarded(ctx: Context, what: str, body: Callable[[], Awaitable[None]], once: bool = False) -> None:
    """Run a loop; survive Redis going away (back off, reconnect, carry on); crash on anything else."""
    cfg = ctx.settings.redis
    backoff = Backoff(cfg.reconnect_initial_ms, cfg.reconnect_max_ms)
    while not ctx.stopping.is_set():
        try:
            await body()
            if once:
                return
            backoff.reset()
        except _REDIS_DOWN as exc:
            metrics.REDIS_RECONNECTS.labels(ctx.name).inc()
            delay = backoff.next_delay_s()
            ctx.log.warning("redis_unavailable", loop=what, error=repr(exc), retry_in_s=round(delay, 3))
            await ctx.sleep(delay)
        except UpdownError as exc:
            if not is_retryable(exc):
                raise
            # The venue is away, busy or rate-limiting (it may still be starting): wait, then retry.
            delay = backoff.next_delay_s()
            ctx.log.warning("venue_unavailable", loop=what, error=repr(exc)[:300], retry_in_s=round(delay, 3))
            await ctx.sleep(delay)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The group vanished (Redis lost its data): loud, then recreated by the loop's start.
            ctx.log.critical("consumer_group_vanished", loop=what, error=str(exc))
            await ctx.sleep(backoff.next_delay_s())


async def _health_loop(ctx: Context, started_ms: int) -> None:
    while True:
        await health.beat(ctx, started_ms)
        if not await ctx.sleep(ctx.settings.runner.health_interval_s):
            return


async def _control_loop(ctx: Context, spec: WorkerSpec, follower: Follower | None = None) -> None:
    reader = GroupReader(ctx.redis, stream=streams.CTL, group=streams.ctl_group(ctx.instance),
                         consumer=ctx.instance, cfg=ctx.settings.bus, block_ms=ctx.settings.redis.block_ms,
                         start_id="$")  # fmt: skip
    await reader.ensure_group()
    ctx.state = await control.persisted_state(ctx.redis, ctx.name)
    try:
        await _control_entries(ctx, spec, reader, follower)
    finally:
        await reader.aclose()


async def _control_entries(ctx: Context, spec: WorkerSpec, reader: GroupReader, follower: Follower | None) -> None:
    while not ctx.stopping.is_set():
        for d in await reader.read():
            try:
                env = decode(d.fields or {}, d.id)
            except DecodeError as exc:
                ctx.log.error("bad_control_entry", id=d.id, error=str(exc))
                await ctx.redis.xack(streams.CTL, reader.group, d.id)
                continue
            if follower is not None:
                await follower.turn(streams.CTL)  # a command in its turn of the followed schedule
            await handle_control(ctx, spec, env)
            if follower is not None:
                follower.took()
            await ctx.redis.xack(streams.CTL, reader.group, d.id)


async def handle_control(ctx: Context, spec: WorkerSpec, env: Envelope) -> None:
    """One ``ctl`` entry: the worker's state, then its own hook (a replay calls it as the loop does)."""
    cmd = env.body
    if isinstance(cmd, ControlCommand) and control.applies(cmd, ctx):
        await control.apply(ctx, cmd)
        if spec.on_control is not None:
            await spec.on_control(ctx, cmd)
    if ctx.tracer is not None:
        ctx.tracer.handled_entry(streams.CTL, env.id)


async def _gauge_loop(ctx: Context, spec: WorkerSpec, hops: Spans) -> None:
    trimmer = Trimmer(ctx.redis, ctx.writer, ctx.settings.bus, ctx.clock, ctx.log)
    while True:
        if hops.names:
            await hops.write(ctx.redis)
        for inp in spec.inputs:
            for stream in inp.resolve(ctx.settings):
                group = scale.group_of(spec, inp, ctx.instance, ctx.leases is not None)
                reader = GroupReader(ctx.redis, stream=stream, group=group, consumer=ctx.instance,
                                     cfg=ctx.settings.bus, block_ms=0)  # fmt: skip
                st = await reader.status()
                labels = (ctx.name, stream, group)
                metrics.CONSUMER_PENDING.labels(*labels).set(st.pending)
                metrics.CONSUMER_LAG_MS.labels(*labels).set(st.lag_ms)
                if st.lag_entries is not None:
                    metrics.CONSUMER_LAG_ENTRIES.labels(*labels).set(st.lag_entries)
        written = [s for names in spec.writes for s in ([names] if isinstance(names, str) else names(ctx.settings))]
        await trimmer.maybe_trim(written, [s for inp in spec.inputs for s in inp.resolve(ctx.settings)])
        if not await ctx.sleep(GAUGE_INTERVAL_S):
            return
