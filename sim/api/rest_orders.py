"""Order entry and cancels: ``/order``, ``/orders``, ``/cancel-all``, ``/cancel-market-orders``."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from sim.api.auth import check_l2
from sim.api.context import ClobContext, ctx
from sim.api.errors import json_error
from sim.api.keys import ApiKey
from sim.api.signed_orders import to_request
from sim.exchange.trading import OrderRejected


async def _auth(request: web.Request) -> tuple[ClobContext, ApiKey]:
    c = ctx(request)
    return c, await check_l2(request, c.keys, c.now_s, c.settings.auth_skew_s)


async def _json_body(request: web.Request) -> Any:
    try:
        return json.loads(await request.read() or b"null")
    except ValueError as exc:
        raise json_error(400, "Invalid payload") from exc


def _place(c: ClobContext, key: ApiKey, payload: Any) -> dict[str, object]:
    return c.exchange.submit(to_request(c, key, payload))


async def post_order(request: web.Request) -> web.Response:
    c, key = await _auth(request)
    payload = await _json_body(request)
    headers = c.take(c.order_buckets, key.address, 1)
    try:
        result = _place(c, key, payload)
    except OrderRejected as exc:
        raise json_error(400, exc.message, headers=headers) from exc
    return web.json_response(result, headers=headers)


async def post_orders(request: web.Request) -> web.Response:
    c, key = await _auth(request)
    payload = await _json_body(request)
    if not isinstance(payload, list) or not payload:
        raise json_error(400, "Invalid payload")
    if len(payload) > c.settings.batch_limit:
        raise json_error(400, "Payload exceeds the limit")
    headers = c.take(c.order_buckets, key.address, len(payload))
    results = []
    for leg in payload:
        try:
            results.append(_place(c, key, leg))
        except OrderRejected as exc:
            # the venue's batch shape: the leg "succeeds" with no order id and the reason
            results.append(
                {
                    "success": True,
                    "errorMsg": exc.message,
                    "orderID": "",
                    "status": "",
                    "makingAmount": "",
                    "takingAmount": "",
                    "tradeIDs": [],
                    "transactionsHashes": [],
                }
            )
    return web.json_response(results, headers=headers)


async def delete_order(request: web.Request) -> web.Response:
    c, key = await _auth(request)
    payload = await _json_body(request)
    if not isinstance(payload, dict) or not isinstance(payload.get("orderID"), str):
        raise json_error(400, "Invalid payload")
    headers = c.take(c.cancel_buckets, key.address, 1)
    return web.json_response(c.exchange.cancel_orders(key.api_key, [payload["orderID"]]), headers=headers)


async def delete_orders(request: web.Request) -> web.Response:
    c, key = await _auth(request)
    payload = await _json_body(request)
    if not isinstance(payload, list) or not all(isinstance(i, str) for i in payload):
        raise json_error(400, "Invalid payload")
    headers = c.take(c.cancel_buckets, key.address, max(1, len(payload)))
    return web.json_response(c.exchange.cancel_orders(key.api_key, payload), headers=headers)


async def cancel_all(request: web.Request) -> web.Response:
    c, key = await _auth(request)
    headers = c.take(c.cancel_buckets, key.address, 1)
    result = c.exchange.cancel_all(key.api_key)
    c.cancel_buckets.debit(key.address, len(result["canceled"]))  # type: ignore[arg-type]
    return web.json_response(result, headers=headers)


async def cancel_market_orders(request: web.Request) -> web.Response:
    c, key = await _auth(request)
    payload = await _json_body(request) or {}
    if not isinstance(payload, dict):
        raise json_error(400, "Invalid payload")
    headers = c.take(c.cancel_buckets, key.address, 1)
    result = c.exchange.cancel_market_orders(
        key.api_key, str(payload.get("market") or ""), str(payload.get("asset_id") or "")
    )
    c.cancel_buckets.debit(key.address, len(result["canceled"]))  # type: ignore[arg-type]
    return web.json_response(result, headers=headers)


def routes() -> list[web.RouteDef]:
    return [
        web.post("/order", post_order),
        web.post("/orders", post_orders),
        web.delete("/order", delete_order),
        web.delete("/orders", delete_orders),
        web.delete("/cancel-all", cancel_all),
        web.delete("/cancel-market-orders", cancel_market_orders),
    ]
