"""The control API as an aiohttp application.

Every request carries ``Authorization: Bearer <token>`` (compared in constant time); a missing or
wrong token is 401, and the attempt is audited. Actions go on ``ctl`` through
``common.runner.control.issue`` (which also records the sticky state and the trading mode) and on
``audit``. A target must be ``*``, a worker's name or a running instance (422 otherwise). An
``Idempotency-Key`` is bound to its action and target (``idempotency.py``): a repeat gets the first
answer back without acting twice (audited as "replayed"); the key reused for anything else is 409.
``reload`` validates the configuration first and is refused, with the reason, when it is invalid.
Given a way to read the view of ``updown top``, it also serves the read-only page (``page.py``),
which alone takes the token as ``?token=`` too: a browser cannot put a header on a link.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from common import logs, state
from common.bus import streams
from common.bus.codec import decode
from common.clock import Clock
from common.config import ConfigError, Settings, load_settings
from common.runner import control
from common.runner.catalog import EVERY_WORKER, WORKER_NAMES, is_known_target
from common.runner.health import KEY_PREFIX
from common.schemas.base import Message
from common.schemas.control import Action, ControlCommand
from common.schemas.signal import Signal
from common.series import series_keys
from common.top.view import View
from workers.control import idempotency, page, reports

ACTIONS: tuple[Action, ...] = ("pause", "resume", "halt", "flatten", "reduce-only", "reload")
REDIS: web.AppKey[aioredis.Redis] = web.AppKey("redis", aioredis.Redis)
SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
CLOCK: web.AppKey[Any] = web.AppKey("clock", object)


def make_app(redis: aioredis.Redis, settings: Settings, clock: Clock,
             read_view: Callable[[], View] | None = None) -> web.Application:  # fmt: skip
    """The API; with ``read_view`` (blocking: it runs in a thread), the page too."""
    app = web.Application(middlewares=[_auth])
    app[REDIS], app[SETTINGS], app[CLOCK] = redis, settings, clock
    app.add_routes([
        web.get("/health", health), web.get("/metrics", metrics_text),
        web.get("/state/markets", state_of(state.MARKETS)), web.get("/state/positions", state_of(state.POSITIONS)),
        web.get("/state/orders", state_of(state.ORDERS)), web.get("/state/pnl", state_of(state.PNL)),
        web.get("/report/toxicity", toxicity), *reports.routes(settings.data_dir),
        *(web.post(f"/control/{action}", act(action)) for action in ACTIONS),
    ])  # fmt: skip
    if read_view is not None:
        page.install(app, read_view, settings.control.page_sample_s, logs.get_logger("control"))
    return app


@web.middleware
async def _auth(request: web.Request, handler: Any) -> web.StreamResponse:
    token = request.app[SETTINGS].control.token
    given = _token_given(request)
    valid = token is not None and given is not None and hmac.compare_digest(
        given.encode(), token.get_secret_value().encode())  # fmt: skip
    if not valid:
        await _audit(request, action=f"{request.method} {request.path}", outcome="unauthorized")
        return web.json_response({"error": "unauthorized"}, status=401)
    response: web.StreamResponse = await handler(request)
    return response


def _token_given(request: web.Request) -> str | None:
    """The bearer token; on the page's paths alone, ``?token=`` when there is no header."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Bearer":
        return given.strip()
    return request.query.get("token") if request.path in page.PATHS or request.path in reports.PAGES else None


async def _audit(request: web.Request, *, action: str, outcome: str, **detail: Any) -> None:
    now = request.app[CLOCK].now_ms()
    entry = {"action": action, "outcome": outcome, "remote": request.remote or "", "at_ms": str(now),
             "detail": json.dumps(detail, default=str)}  # fmt: skip
    await request.app[REDIS].xadd(streams.AUDIT, entry, maxlen=streams.AUDIT_MAXLEN, approximate=True)


async def health(request: web.Request) -> web.Response:
    redis = request.app[REDIS]
    now = request.app[CLOCK].now_ms()
    workers = {}
    for key in await _scan(redis, f"{KEY_PREFIX}*"):
        h = {k.decode(): v.decode() for k, v in (await redis.hgetall(key)).items()}
        workers[h.get("instance", key)] = {"worker": h.get("worker"), "state": h.get("state"),
                                           "health_age_ms": now - int(h.get("ts_ms", now))}  # fmt: skip
    feeds = {k.decode(): json.loads(v) for k, v in (await redis.hgetall(state.FEEDS)).items()}
    return web.json_response({"mode": request.app[SETTINGS].mode.value,
                              "trading_mode": await control.trading_mode(redis), "workers": workers,
                              "feeds": feeds})  # fmt: skip


async def metrics_text(request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def state_of(key: str) -> Any:
    async def read(request: web.Request) -> web.Response:
        raw = await request.app[REDIS].hgetall(key)
        return web.json_response({k.decode(): json.loads(v) for k, v in raw.items()})

    return read


async def toxicity(request: web.Request) -> web.Response:
    """The latest markouts and flow per series, from the newest signal of each."""
    redis = request.app[REDIS]
    out = {}
    for key in series_keys(request.app[SETTINGS]):
        last = await redis.xrevrange(streams.signal(key), count=1)
        # Importing Signal registers its schema: without it this process cannot decode a signal.
        body: Message | None = decode(last[0][1]).body if last else None
        if isinstance(body, Signal):
            fields = ("regime", "toxicity_micro", "markout_1s_micro", "markout_5s_micro", "markout_30s_micro",
                      "flow_imbalance_ppm", "computed_ms")  # fmt: skip
            out[key] = {f: getattr(body, f, None) for f in fields}
    return web.json_response(out)


def act(action: Action) -> Any:
    async def handler(request: web.Request) -> web.Response:
        redis = request.app[REDIS]
        target = request.query.get("target", EVERY_WORKER)
        reason = request.query.get("reason", "")
        key = request.headers.get("Idempotency-Key")
        ttl = request.app[SETTINGS].control.idempotency_ttl_s
        if not await is_known_target(redis, target):
            await _audit(request, action=action, outcome="refused", target=target, reason="unknown target")
            return web.json_response({"error": "unknown target", "target": target,
                                      "known": [EVERY_WORKER, *sorted(WORKER_NAMES)]}, status=422)  # fmt: skip
        if key:
            claim = await idempotency.claim(redis, key, action=action, target=target, ttl_s=ttl)
            if claim.conflict:
                await _audit(request, action=action, outcome="conflict", target=target, key=key, reason=claim.conflict)
                return web.json_response({"error": "idempotency key conflict", "reason": claim.conflict}, status=409)
            if claim.answer is not None:
                await _audit(request, action=action, outcome="replayed", target=target, key=key,
                             request_id=claim.answer.get("request_id"))  # fmt: skip
                return web.json_response(claim.answer)
        try:
            status, answer = await _issue(request, action, target, reason)
        except BaseException:
            if key:  # it did not act: the key may be used again
                await idempotency.release(redis, key)
            raise
        if key and status == 200:
            await idempotency.record(redis, key, action=action, target=target, answer=answer, ttl_s=ttl)
        elif key:
            await idempotency.release(redis, key)
        return web.json_response(answer, status=status)

    return handler


async def _issue(request: web.Request, action: Action, target: str, reason: str) -> tuple[int, dict[str, Any]]:
    """Act: the HTTP status and the answer."""
    if action == "reload":
        try:
            load_settings()
        except ConfigError as exc:
            await _audit(request, action=action, outcome="refused", reason=str(exc))
            return 400, {"error": "invalid configuration", "reason": str(exc)}
    cmd: ControlCommand = await control.issue(request.app[REDIS], action, target=target, issued_by="control-api",
                                              reason=reason, clock=request.app[CLOCK])  # fmt: skip
    return 200, {"ok": True, "action": action, "target": target, "request_id": cmd.request_id}


async def _scan(redis: aioredis.Redis, pattern: str) -> list[bytes]:
    return [key async for key in redis.scan_iter(match=pattern, count=500)]
