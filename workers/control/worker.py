"""``updown worker control``: serve the control API on ``control.host:control.port`` until stopped."""

from __future__ import annotations

from aiohttp import web

from common.runner import Context, WorkerSpec
from workers.control.app import make_app


async def serve(ctx: Context) -> None:
    cfg = ctx.settings.control
    if cfg.token is None:
        ctx.log.warning("control_token_missing", hint="set control.token (file control__token in the secrets "
                        "directory): every request is refused until then")  # fmt: skip
    runner = web.AppRunner(make_app(ctx.redis, ctx.settings, ctx.clock), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, cfg.host, cfg.port)
    await site.start()
    ctx.log.info("control_api_listening", host=cfg.host, port=cfg.port)
    try:
        await ctx.stopping.wait()
    finally:
        await runner.cleanup()


SPEC = WorkerSpec(name="control", source=serve)
