"""executor: intents in, signed orders on the CLOB out, every answer accounted for.

Inputs: ``intent.<series>`` of every configured series (of the series this instance owns, when the
executor runs several instances: ``workers.executor.handover``), ``orders`` (the user feed's order
events of our key: unknown submits resolved, fills seen), ``markets`` (a window that closes stops
trading). Outputs: ``ExecReport`` / ``ExecStatus`` on ``exec``, the live orders in ``state:orders``,
the latency summary in ``state:latency``. The private key and API credentials live only here (and
in the merger; feed-user derives the keys of an executor scaled out) and are never logged. Loop:
``workers.executor.driver`` and ``workers.executor.upkeep``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence

from common import state
from common.bus import streams
from common.bus.envelope import Envelope
from common.clob.auth import ApiCreds
from common.clob.client import AsyncClobClient
from common.config.settings import Settings
from common.runner import Context, Emit, Input, WorkerSpec, WorkerState, control
from common.schemas.control import ControlCommand
from common.schemas.intent import Intent
from common.schemas.market import MarketLifecycle
from common.schemas.user import OrderEvent
from common.series import series_keys
from workers.credentials import api_creds, instance_feed, order_signer, wait_for_credentials
from workers.executor.allowances import wait_for_allowances
from workers.executor.core import DEFAULT_CONFIG, ExecutorCore
from workers.executor.core.modes import Mode
from workers.executor.driver import Driver
from workers.executor.gateway import Gateway, LiveGateway
from workers.executor.handover import budget_share, live_instances, markets_of, own_key, sweep_peers
from workers.executor.outputs import forget_orders_of
from workers.executor.upkeep import Upkeep

#: The timer's and the replans' period: replans as tokens refill, stale intents cancelled.
TICK_S = 0.1
#: Lifecycle phases after which a window is no longer traded.
DONE_PHASES = ("closed", "resolved")
#: Pause between attempts to reach the venue at start.
START_RETRY_S = 1.0


def intent_streams(settings: Settings) -> list[str]:
    return [streams.intent(key) for key in series_keys(settings)]


async def initial_mode(ctx: Context) -> Mode:
    """The persisted trading mode; a halt aimed at this worker alone counts as HALTED too."""
    if ctx.state is WorkerState.HALTED:
        return "HALTED"
    return await control.trading_mode(ctx.redis)


async def build(ctx: Context, gateway: Gateway, *, watch_user_feed: bool) -> None:
    """The core, driver and timer every executor (live or paper) runs; kept in ``ctx.resources``."""
    mode = await initial_mode(ctx)
    s = ctx.settings.executor
    cfg = dataclasses.replace(DEFAULT_CONFIG, replace_overlap=s.replace_overlap, relevel=s.relevel,
                              venue_mode_retry_initial_ms=s.venue_mode_retry_initial_ms,
                              venue_mode_retry_max_ms=s.venue_mode_retry_max_ms)  # fmt: skip
    core = ExecutorCore(cfg, ctx.clock.now_ms(), owner=gateway.owner, mode=mode, monotonic_ms=ctx.clock.monotonic_ms)
    driver = Driver(ctx, core, gateway, tick_s=TICK_S)
    feed = "user" if ctx.leases is None else instance_feed(ctx.instance)
    upkeep = Upkeep(driver, watch_user_feed=watch_user_feed, user_feed=feed)
    ctx.resources.update(gateway=gateway, driver=driver, upkeep=upkeep)
    # Rebuilt from the venue at the first reconciliation (scaled out: this instance's entries only).
    if ctx.leases is None:
        await ctx.redis.delete(state.ORDERS)
    else:
        await forget_orders_of(ctx.redis, ctx.instance)
    ctx.log.info("executor_ready", mode=mode, owner_prefix=gateway.owner[:8])


async def setup(ctx: Context) -> None:
    creds = await wait_for_credentials(ctx)
    if creds is None:
        return  # stopping
    signer = order_signer(ctx.settings)
    key = api_creds(creds) if ctx.leases is None else await key_of_instance(ctx)
    if key is None:
        return  # stopping
    client = AsyncClobClient(ctx.settings.venue.clob_url, ctx.clock, address=signer.address, creds=key)
    while True:
        try:
            await client.sync_time()
            break
        except Exception as exc:
            ctx.log.warning("venue_unreachable", error=repr(exc))
            if not await ctx.sleep(START_RETRY_S):
                await client.aclose()
                return
    if not await wait_for_allowances(ctx, client):
        await client.aclose()
        return  # stopping
    await build(ctx, LiveGateway(client, signer), watch_user_feed=True)


async def key_of_instance(ctx: Context) -> ApiCreds | None:
    """A scaled-out instance's own API key (None when asked to stop first); the venue may be starting."""
    while True:
        try:
            return await own_key(ctx)
        except Exception as exc:
            ctx.log.warning("venue_unreachable", error=repr(exc))
            if not await ctx.sleep(START_RETRY_S):
                return None


async def on_series(ctx: Context, gained: Sequence[str], lost: Sequence[str]) -> None:
    """Series handed over (scaled out): a lost one's orders cancelled; a gained one's intents wait
    until the orders other instances' keys rest on its markets are cancelled."""
    driver: Driver | None = ctx.resources.get("driver")
    if driver is None:
        return
    gate = asyncio.Event()
    for series in gained:  # before any await: the series' consumer may start at once
        driver.handovers[series] = gate
    try:
        # The signer's rate buckets are shared by the live instances: this one plans with its share.
        live = await live_instances(ctx)
        driver.core.budget.resize(budget_share(driver.cfg, live), driver.core.local_ms(driver.now()))
        if lost:
            await driver.on_series_lost(set(lost))
        if gained:
            swept = await sweep_peers(ctx, await markets_of(ctx, gained))
            ctx.log.info("series_taken_over", series=list(gained), peer_orders_cancelled=swept)
    except Exception as exc:
        # The previous owner's key's dead-man (10 s after its last heartbeat) cancels them instead.
        ctx.log.error("handover_sweep_failed", series=list(gained), error=repr(exc))
    finally:
        for series in gained:
            driver.handovers.pop(series, None)
        gate.set()


async def handle(ctx: Context, env: Envelope) -> Sequence[Emit]:
    driver: Driver | None = ctx.resources.get("driver")
    if driver is None:
        raise RuntimeError("the executor is not set up")
    body = env.body
    if isinstance(body, Intent):
        await driver.on_intent(env)
    elif isinstance(body, OrderEvent):
        await driver.on_order_event(body)
    elif isinstance(body, MarketLifecycle) and body.phase in DONE_PHASES:
        await driver.on_window_done(body.condition_id)
    return []


async def run(ctx: Context) -> None:
    upkeep: Upkeep | None = ctx.resources.get("upkeep")
    if upkeep is None:
        return
    await upkeep.run()
    # Here rather than in ``teardown``: the runner's guard skips a teardown once stopping is set.
    await upkeep.shutdown()
    await ctx.resources["gateway"].aclose()


async def on_control(ctx: Context, cmd: ControlCommand) -> None:
    driver: Driver | None = ctx.resources.get("driver")
    if driver is None:
        return
    if cmd.action == "flatten":
        await driver.flatten()
    elif cmd.action in ("halt", "reduce-only", "resume"):
        await driver.set_mode(await initial_mode(ctx))


async def teardown(ctx: Context) -> None:
    """Only if the stop came before the timer ever ran (see ``run``)."""
    upkeep: Upkeep | None = ctx.resources.get("upkeep")
    if upkeep is not None and not upkeep.d.stopping:
        await upkeep.shutdown()
        await ctx.resources["gateway"].aclose()


SPEC = WorkerSpec(
    name="executor",
    inputs=(Input(intent_streams, per_series=True), Input(streams.ORDERS, start_id="$"), Input(streams.MARKETS)),
    handle=handle,
    source=run,
    setup=setup,
    teardown=teardown,
    on_control=on_control,
    writes=(streams.EXEC,),
    on_series=on_series,
)
