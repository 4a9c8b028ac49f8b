"""``updown worker control``: serve the control API and the page on ``control.host:control.port``
until stopped."""

from __future__ import annotations

from aiohttp import web

from common.bus.connection import connect_sync
from common.config.loader import worker_redis_user
from common.runner import Context, WorkerSpec
from common.top import snapshot, view
from workers.control.app import make_app


async def serve(ctx: Context) -> None:
    cfg = ctx.settings.control
    if cfg.token is None:
        ctx.log.warning("control_token_missing", hint="set control.token (file control__token in the secrets "
                        "directory): every request is refused until then")  # fmt: skip
    # The page reads the view of `updown top` (blocking reads, in a thread) with a client of its own.
    reader = connect_sync(ctx.settings.redis, client_name=f"{ctx.instance}-page", user=worker_redis_user("control"))

    def read_view() -> view.View:
        return view.build(snapshot.read(reader, ctx.clock.now_ms()))

    runner = web.AppRunner(make_app(ctx.redis, ctx.settings, ctx.clock, read_view), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, cfg.host, cfg.port)
    await site.start()
    ctx.log.info("control_api_listening", host=cfg.host, port=cfg.port, page=f"http://{cfg.host}:{cfg.port}/page")
    try:
        await ctx.stopping.wait()
    finally:
        await runner.cleanup()
        reader.close()


SPEC = WorkerSpec(name="control", source=serve)
