"""discovery: the current and next window of every configured series, from Gamma, and the
lifecycle events (discovered, open, closing, closed, resolved) every other worker rolls on.

Writes ``markets`` (records and lifecycle events) and the ``state:markets`` hash.
"""

from __future__ import annotations

from collections.abc import Sequence

from common import metrics, state
from common.bus import streams
from common.errors import NotFound, UpdownError
from common.net.http import HttpConfig, JsonClient
from common.runner import Context, WorkerSpec
from common.schemas.base import Message
from common.schemas.market import MarketLifecycle
from common.series import parse_series
from common.venue.convert import loads
from common.venue.errors import VenueParseError
from common.venue.gamma import normalize_gamma_event
from workers.discovery.core import Discovery

#: How often the loop looks at the clock and at what it still needs.
POLL_S = 1.0
#: How often a closed window without a winner is asked for again.
RESOLUTION_REFRESH_S = 5.0
#: Resolved windows are forgotten this long after they end.
KEEP_AFTER_END_MS = 15 * 60_000


async def setup(ctx: Context) -> None:
    ctx.resources["core"] = Discovery([parse_series(s) for s in ctx.settings.series], ctx.clock)
    # Gamma's numbers (tick size, reward spread) must stay exact: decode them as Decimal.
    ctx.resources["gamma"] = JsonClient(HttpConfig(base_url=ctx.settings.venue.gamma_url), loads=loads)


async def teardown(ctx: Context) -> None:
    await ctx.resources["gamma"].aclose()


async def run(ctx: Context) -> None:
    core: Discovery = ctx.resources["core"]
    reported: set[str] = set()
    last_refresh = 0.0
    while await ctx.sleep(POLL_S):
        if not ctx.active:
            continue
        for window in core.to_fetch():
            await fetch(ctx, core, window.slug)
        # A window's strike is what the quoter waits for: ask every poll until Gamma has it.
        for slug in without_strike(core):
            await fetch(ctx, core, slug)
        if ctx.clock.monotonic() - last_refresh >= RESOLUTION_REFRESH_S:
            last_refresh = ctx.clock.monotonic()
            for slug in [s for s in core.records if core.lifecycle.phase(s) == "closed"]:
                await fetch(ctx, core, slug)
        for window in core.missing():
            if window.slug not in reported:
                reported.add(window.slug)
                metrics.WINDOWS_MISSING.labels(ctx.name, window.series.key).inc()
                ctx.log.error("window_missing", slug=window.slug, starts_ms=window.start_ms)
        await publish(ctx, core.tick())
        for slug in core.prune(KEEP_AFTER_END_MS):
            await ctx.redis.hdel(state.MARKETS, slug)


def without_strike(core: Discovery) -> list[str]:
    """Open windows whose record has no strike yet (Gamma publishes ``priceToBeat`` once it starts)."""
    return [slug for slug, record in core.records.items()
            if core.lifecycle.phase(slug) in ("open", "closing") and record.strike_e18 is None]  # fmt: skip


async def fetch(ctx: Context, core: Discovery, slug: str) -> None:
    gamma: JsonClient = ctx.resources["gamma"]
    try:
        event = await gamma.get(f"/events/slug/{slug}")
        records = [r for r in normalize_gamma_event(event) if r.slug == slug]
    except NotFound:
        return  # not created yet; reported by core.missing() when it is late
    except (UpdownError, VenueParseError) as exc:
        ctx.log.warning("gamma_fetch_failed", slug=slug, error=repr(exc))
        return
    for fetched in records:
        known = core.records.get(slug)
        events = core.on_record(fetched)
        record = core.records[slug]
        if known != record:
            await publish(ctx, [record])
            await ctx.redis.hset(state.MARKETS, slug, record.model_dump_json())
        await publish(ctx, events)


async def publish(ctx: Context, bodies: Sequence[Message]) -> None:
    if not bodies:
        return
    pipe = ctx.redis.pipeline(transaction=False)
    for body in bodies:
        pipe.xadd(streams.MARKETS, ctx.writer.fields(body, key=getattr(body, "series", None) or ""))
        if isinstance(body, MarketLifecycle):
            ctx.log.info("window_phase", slug=body.slug, phase=body.phase, winner=body.winner_index)
    await pipe.execute()


SPEC = WorkerSpec(name="discovery", source=run, setup=setup, teardown=teardown, writes=(streams.MARKETS,))
