"""Keys, heartbeats, open orders, trades, scoring and balances."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

from aiohttp import web
from eth_utils.address import to_checksum_address

from sim.api.auth import check_l1, check_l2
from sim.api.context import ClobContext, ctx
from sim.api.errors import json_error
from sim.api.keys import ApiKey
from sim.api.shapes import open_order_json, rest_trade_json
from sim.exchange.money import MICRO
from sim.exchange.orders import Order

END_CURSOR = "LTE="
#: What the venue reports as the allowance of an approved spender (max uint256).
MAX_ALLOWANCE = str(2**256 - 1)


async def _l2(request: web.Request) -> tuple[ClobContext, ApiKey]:
    c = ctx(request)
    return c, await check_l2(request, c.keys, c.now_s, c.settings.auth_skew_s)


def _page(items: list[dict[str, object]], cursor: str, limit: int) -> dict[str, object]:
    try:
        start = max(0, int(base64.b64decode(cursor or "MA==").decode()))
    except ValueError as exc:
        raise json_error(400, "invalid next_cursor") from exc
    data = items[start : start + limit]
    end = start + limit
    next_cursor = base64.b64encode(str(end).encode()).decode() if end < len(items) else END_CURSOR
    return {"data": data, "next_cursor": next_cursor, "limit": limit, "count": len(data)}


async def create_api_key(request: web.Request) -> web.Response:
    c = ctx(request)
    address, nonce = check_l1(request, c.settings.chain_id, c.now_s, c.settings.auth_skew_s)
    key = c.keys.create(address, nonce)
    if key is None:
        raise json_error(400, "Could not create api key")
    c.exchange.ensure_account(address, to_checksum_address(address), c.exchange.config.faucet_pusd_micro)
    return web.json_response(key.creds_json())


async def derive_api_key(request: web.Request) -> web.Response:
    c = ctx(request)
    address, nonce = check_l1(request, c.settings.chain_id, c.now_s, c.settings.auth_skew_s)
    key = c.keys.derive(address, nonce)
    if key is None:
        raise json_error(400, "Could not derive api key!")
    return web.json_response(key.creds_json())


async def api_keys(request: web.Request) -> web.Response:
    c, key = await _l2(request)
    return web.json_response({"apiKeys": [k.api_key for k in c.keys.for_address(key.address)]})


async def heartbeat(request: web.Request) -> web.Response:
    c, key = await _l2(request)
    try:
        heartbeat_id = str(json.loads(await request.read() or b"{}").get("heartbeat_id") or "")
    except (ValueError, AttributeError) as exc:
        raise json_error(400, "Invalid payload") from exc
    accepted, next_id = c.exchange.heartbeat(key.api_key, heartbeat_id)
    if not accepted:  # the venue's documented body (the official SDK reads ``error_msg``)
        body = {"error_msg": "Invalid Heartbeat ID", "heartbeat_id": next_id}
        raise web.HTTPBadRequest(text=json.dumps(body), content_type="application/json")
    return web.json_response({"heartbeat_id": next_id})


def _matches(order: Order, request: web.Request) -> bool:
    q = request.query
    return (
        (not q.get("market") or order.market == q["market"])
        and (not q.get("asset_id") or order.token_id == q["asset_id"])
        and (not q.get("id") or order.order_id == q["id"])
    )


async def open_orders(request: web.Request) -> web.Response:
    c, key = await _l2(request)
    orders = [open_order_json(o) for o in c.exchange.open_orders(key.api_key) if _matches(o, request)]
    return web.json_response(_page(orders, request.query.get("next_cursor", ""), c.settings.page_limit))


async def one_order(request: web.Request) -> web.Response:
    c, key = await _l2(request)
    order = c.exchange.order(request.match_info["order_id"])
    if order is None or order.owner != key.api_key or order.status != "LIVE":
        return web.json_response(None)
    return web.json_response(open_order_json(order))


async def trades(request: web.Request) -> web.Response:
    c, key = await _l2(request)
    q = request.query
    found = []
    for trade in c.exchange.trades(key.api_key):
        match_s = trade.match_ms // 1000
        if (
            (q.get("id") and trade.trade_id != q["id"])
            or (q.get("market") and trade.market != q["market"])
            or (q.get("asset_id") and trade.asset_id != q["asset_id"])
            or (q.get("before") and match_s >= int(q["before"]))
            or (q.get("after") and match_s <= int(q["after"]))
        ):
            continue
        found.append(rest_trade_json(trade, key.api_key))
    return web.json_response(_page(found, q.get("next_cursor", ""), c.settings.page_limit))


def _scoring(c: ClobContext, key: ApiKey, order_id: str) -> bool:
    """Rests, is at least the reward minimum, and sits within the max spread of the midpoint."""
    order = c.exchange.order(order_id)
    if order is None or order.owner != key.api_key or order.status != "LIVE":
        return False
    state = c.exchange.market(order.market)
    if state is None:
        return False
    bid, ask = state.top(order.token_id)
    if bid is None or ask is None or order.remaining_micro < state.spec.rewards_min_size_micro:
        return False
    distance_cents = Decimal(abs(2 * order.price_micro - bid - ask)) / 2 / (MICRO // 100)
    return distance_cents <= state.spec.rewards_max_spread_cents


async def order_scoring(request: web.Request) -> web.Response:
    c, key = await _l2(request)
    return web.json_response({"scoring": _scoring(c, key, request.query.get("order_id", ""))})


async def orders_scoring(request: web.Request) -> web.Response:
    c, key = await _l2(request)
    try:
        ids = [str(i) for i in json.loads(await request.read() or b"[]")]
    except (ValueError, TypeError) as exc:
        raise json_error(400, "Invalid payload") from exc
    return web.json_response({order_id: _scoring(c, key, order_id) for order_id in ids})


async def balance_allowance(request: web.Request) -> web.Response:
    c, key = await _l2(request)
    account = c.exchange.accounts.find_by_address(key.address)
    asset_type = request.query.get("asset_type", "COLLATERAL").upper()
    if asset_type in ("CONDITIONAL", "CONDITIONAL-V2"):  # CONDITIONAL-V2: Protocol V2 position ids
        token_id = request.query.get("token_id", "")
        balance = account.positions_micro.get(token_id, 0) if account else 0
    else:
        balance = account.cash_micro if account else 0
    spenders = (c.settings.exchange_address, c.settings.neg_risk_exchange_address, c.settings.exchange_v3_address)
    on_chain = c.allowance_of(key.address, asset_type) if c.allowance_of is not None else None
    allowance = MAX_ALLOWANCE if on_chain is None else on_chain
    return web.json_response({"balance": str(balance), "allowances": dict.fromkeys(spenders, str(allowance))})


async def closed_only(request: web.Request) -> web.Response:
    await _l2(request)
    return web.json_response({"closed_only": False})


def routes() -> list[web.RouteDef]:
    return [
        web.post("/auth/api-key", create_api_key),
        web.get("/auth/derive-api-key", derive_api_key),
        web.get("/auth/api-keys", api_keys),
        web.get("/auth/ban-status/closed-only", closed_only),
        web.post("/v1/heartbeats", heartbeat),
        web.get("/data/orders", open_orders),
        web.get("/data/order/{order_id}", one_order),
        web.get("/data/trades", trades),
        web.get("/order-scoring", order_scoring),
        web.post("/orders-scoring", orders_scoring),
        web.get("/balance-allowance", balance_allowance),
        web.get("/balance-allowance/update", balance_allowance),
    ]
