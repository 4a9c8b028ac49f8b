"""The fault hooks the composition applies itself: REST middleware (425, 429, 500, ambiguous
submits) and FAILED trades."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from sim.faults import FaultKind, FaultProfile, Faults, rest_fault_middleware
from sim.server import ServerConfig, SimServer
from sim.world.clock import SimClock
from sim.world.config import SeriesConfig, WorldConfig
from tests.unit.sim_world.conftest import serving

START_MS = 1_790_000_100_000


def _app(kind: FaultKind, seed: int = 0) -> tuple[web.Application, list[str]]:
    clock = SimClock(START_MS)
    faults = Faults(FaultProfile("test", {kind: 1.0}), seed, clock.now_ms)
    calls: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        calls.append(f"{request.method} {request.path}")
        return web.json_response({"success": True, "orderID": "0x01"})

    app = web.Application(middlewares=[rest_fault_middleware(faults)])
    app.router.add_post("/order", handler)
    app.router.add_get("/book", handler)
    app.router.add_get("/gamma/events", handler)
    return app, calls


async def _status(session: aiohttp.ClientSession, method: str, url: str) -> int:
    async with session.request(method, url) as resp:
        return resp.status


@pytest.mark.parametrize(("kind", "order_status", "book_status"), [
    (FaultKind.ENGINE_RESTART, 425, 200),
    (FaultKind.RATE_LIMIT_BURST, 429, 429),
    (FaultKind.SERVER_ERROR, 500, 500),
])
async def test_rest_faults_refuse_the_request_before_the_handler_runs(kind, order_status, book_status):
    app, calls = _app(kind)

    async with serving(app) as base, aiohttp.ClientSession() as session:
        got_order = await _status(session, "POST", f"{base}/order")
        got_book = await _status(session, "GET", f"{base}/book")
        got_gamma = await _status(session, "GET", f"{base}/gamma/events")

    assert (got_order, got_book, got_gamma) == (order_status, book_status, 200)
    assert "POST /order" not in calls and "GET /gamma/events" in calls


async def test_an_ambiguous_submit_reaches_the_engine_but_its_answer_is_lost():
    outcomes = []
    for seed in range(6):
        app, calls = _app(FaultKind.AMBIGUOUS_SUBMIT, seed)
        async with serving(app) as base, aiohttp.ClientSession() as session:
            try:
                outcomes.append(await _status(session, "POST", f"{base}/order"))
            except aiohttp.ClientError:
                outcomes.append("dropped")
        assert calls == ["POST /order"]

    assert set(outcomes) == {502, "dropped"}


def test_a_trade_failed_fault_makes_background_trades_end_failed():
    clock = SimClock(START_MS + 5_000)
    cfg = ServerConfig(world=WorldConfig(seed=2, series=(SeriesConfig("btc", 60),)),
                       fault_profile=FaultProfile("test", {FaultKind.TRADE_FAILED: 1.0}))
    server = SimServer(cfg, clock)

    for _ in range(300):
        clock.advance_ms(100)
        server.step()

    trades = server.exchange.trades()
    settled = [t for t in trades if t.status in ("CONFIRMED", "FAILED")]
    assert settled and all(t.status == "FAILED" for t in settled)
