"""Public (L0) endpoints: server info, books, market parameters, prices, rewards."""

from __future__ import annotations

import json

from aiohttp import web

from sim.api.context import ctx
from sim.api.errors import json_error
from sim.api.shapes import clob_market_json, market_json, num
from sim.exchange.money import fmt_micro
from sim.exchange.publish import summary
from sim.exchange.state import MarketState

ERR_NO_BOOK = "No orderbook exists for the requested token id"


def _state_for_query(request: web.Request) -> tuple[MarketState, str]:
    token_id = request.query.get("token_id", "")
    if not token_id:
        raise json_error(400, "Invalid token id")
    state = ctx(request).exchange.market_for_token(token_id)
    if state is None:
        raise json_error(404, ERR_NO_BOOK)
    return state, token_id


async def ok(request: web.Request) -> web.Response:
    return web.json_response("OK")


async def server_time(request: web.Request) -> web.Response:
    return web.json_response(int(ctx(request).now_s()))


async def version(request: web.Request) -> web.Response:
    return web.json_response({"version": 2})


async def book(request: web.Request) -> web.Response:
    state, token_id = _state_for_query(request)
    return web.json_response(summary(state, token_id, ctx(request).exchange.now_ms()))


async def books(request: web.Request) -> web.Response:
    c = ctx(request)
    try:
        params = json.loads(await request.read())
        token_ids = [str(p["token_id"]) for p in params]
    except (ValueError, TypeError, KeyError) as exc:
        raise json_error(400, "Invalid payload") from exc
    out = []
    for token_id in token_ids:
        state = c.exchange.market_for_token(token_id)
        if state is not None:
            out.append(summary(state, token_id, c.exchange.now_ms()))
    return web.json_response(out)


async def tick_size(request: web.Request) -> web.Response:
    state, _ = _state_for_query(request)
    return web.json_response({"minimum_tick_size": num(state.tick_micro)})


async def neg_risk(request: web.Request) -> web.Response:
    state, _ = _state_for_query(request)
    return web.json_response({"neg_risk": state.spec.neg_risk})


async def fee_rate(request: web.Request) -> web.Response:
    _state_for_query(request)
    # the legacy 10% ceiling, as the live venue still reports it; the charged curve is in feeSchedule
    return web.json_response({"base_fee": 1000})


def _market_or_404(request: web.Request) -> MarketState:
    state = ctx(request).exchange.market(request.match_info["condition_id"])
    if state is None:
        raise json_error(404, "market not found")
    return state


async def clob_market(request: web.Request) -> web.Response:
    return web.json_response(clob_market_json(_market_or_404(request)))


async def market(request: web.Request) -> web.Response:
    return web.json_response(market_json(_market_or_404(request)))


async def market_by_token(request: web.Request) -> web.Response:
    state = ctx(request).exchange.market_for_token(request.match_info["token_id"])
    if state is None:
        raise json_error(404, "market not found")
    spec = state.spec
    return web.json_response(
        {
            "condition_id": spec.condition_id,
            "primary_token_id": spec.token_ids[0],
            "secondary_token_id": spec.token_ids[1],
        }
    )


async def midpoint(request: web.Request) -> web.Response:
    state, token_id = _state_for_query(request)
    bid, ask = state.top(token_id)
    if bid is None or ask is None:
        raise json_error(404, ERR_NO_BOOK)
    return web.json_response({"mid": fmt_micro((bid + ask) // 2)})


async def price(request: web.Request) -> web.Response:
    state, token_id = _state_for_query(request)
    bid, ask = state.top(token_id)
    # BUY asks for the price a buyer pays (best ask); SELL the price a seller gets (best bid)
    best = ask if request.query.get("side", "BUY").upper() == "BUY" else bid
    if best is None:
        raise json_error(404, ERR_NO_BOOK)
    return web.json_response({"price": fmt_micro(best)})


async def spread(request: web.Request) -> web.Response:
    state, token_id = _state_for_query(request)
    bid, ask = state.top(token_id)
    if bid is None or ask is None:
        raise json_error(404, ERR_NO_BOOK)
    return web.json_response({"spread": fmt_micro(ask - bid)})


async def last_trade_price(request: web.Request) -> web.Response:
    state, token_id = _state_for_query(request)
    last = state.last_trade_micro.get(token_id)
    return web.json_response({"price": fmt_micro(last) if last is not None else "0.5", "side": ""})


async def rewards_current(request: web.Request) -> web.Response:
    data: list[dict[str, object]] = [
        {
            "condition_id": s.spec.condition_id,
            "rewards_max_spread": float(s.spec.rewards_max_spread_cents),
            "rewards_min_size": num(s.spec.rewards_min_size_micro),
            "rewards_config": [],
            "native_daily_rate": 0,
            "total_daily_rate": 0,
        }
        for s in ctx(request).exchange.markets()
        if s.accepting
    ]
    return web.json_response({"limit": len(data), "count": len(data), "next_cursor": "LTE=", "data": data})


async def rewards_for_market(request: web.Request) -> web.Response:
    state = _market_or_404(request)
    data = [
        {
            "condition_id": state.spec.condition_id,
            "rewards_max_spread": float(state.spec.rewards_max_spread_cents),
            "rewards_min_size": num(state.spec.rewards_min_size_micro),
            "rewards_config": [],
        }
    ]
    return web.json_response({"limit": 1, "count": 1, "next_cursor": "LTE=", "data": data})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/ok", ok),
        web.get("/time", server_time),
        web.get("/version", version),
        web.get("/book", book),
        web.post("/books", books),
        web.get("/tick-size", tick_size),
        web.get("/neg-risk", neg_risk),
        web.get("/fee-rate", fee_rate),
        web.get("/clob-markets/{condition_id}", clob_market),
        web.get("/markets/{condition_id}", market),
        web.get("/markets-by-token/{token_id}", market_by_token),
        web.get("/midpoint", midpoint),
        web.get("/price", price),
        web.get("/spread", spread),
        web.get("/last-trade-price", last_trade_price),
        web.get("/rewards/markets/current", rewards_current),
        web.get("/rewards/markets/{condition_id}", rewards_for_market),
    ]
