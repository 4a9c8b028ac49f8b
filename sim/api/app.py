"""Mounting the CLOB surface on an aiohttp application."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from sim.api import introspect, rest_account, rest_orders, rest_public, ws
from sim.api.context import CTX, ApiSettings, ClobContext
from sim.api.keys import ApiKeyStore
from sim.exchange import Exchange
from sim.exchange.ratelimit import TokenBuckets

__all__ = ["ApiSettings", "ClobContext", "add_clob_routes"]


def add_clob_routes(
    app: web.Application,
    exchange: Exchange,
    settings: ApiSettings | None = None,
    keys: ApiKeyStore | None = None,
) -> ClobContext:
    """Mount CLOB REST at ``/``, the websockets at ``/ws/market`` and ``/ws/user``, and ``/sim/...``.

    The API-key server secret comes from the exchange's RNG, so a seed reproduces the credentials.
    """
    settings = settings or ApiSettings()
    cfg = exchange.config
    context = ClobContext(
        exchange=exchange,
        keys=keys or ApiKeyStore(exchange.rng.getrandbits(256).to_bytes(32, "big")),
        settings=settings,
        order_buckets=TokenBuckets(exchange.clock, cfg.order_rate_per_s, cfg.order_burst),
        cancel_buckets=TokenBuckets(exchange.clock, cfg.cancel_rate_per_s, cfg.cancel_burst),
    )
    app[CTX] = context
    hub = ws.Hub(exchange, context.keys)
    context.hub = hub
    app.add_routes(
        rest_public.routes()
        + rest_account.routes()
        + rest_orders.routes()
        + ws.routes(hub)
        + introspect.routes()
    )
    if settings.advance_interval_s:
        app.cleanup_ctx.append(_advancing(exchange, settings.advance_interval_s))
    return context


def _advancing(exchange: Exchange, interval_s: float):  # type: ignore[no-untyped-def]
    async def run(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                exchange.advance()
                await asyncio.sleep(interval_s)

        task = asyncio.get_running_loop().create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return run
