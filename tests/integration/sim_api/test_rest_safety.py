"""Rate limits, the dead-man over REST, pagination, and the introspection views."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession

from sim.api import ApiSettings
from sim.exchange import ExchangeConfig

from .harness import Trader, start
from .server import CID, DOWN, UP

pytestmark = pytest.mark.integration


@pytest.fixture
async def env() -> AsyncIterator[tuple[ClientSession, Any, Any]]:
    config = ExchangeConfig(order_rate_per_s=1, order_burst=20, cancel_rate_per_s=1, cancel_burst=5, taker_delay_ms=0)
    server, exchange, clock = await start(config, ApiSettings(page_limit=2, auth_skew_s=3_600))
    async with ClientSession(base_url=str(server.make_url(""))) as http:
        yield http, exchange, clock
    await server.close()


async def test_the_order_bucket_refuses_a_batch_beyond_it_with_429_and_rate_headers(env: Any) -> None:
    http, _, _ = env
    trader = Trader(http)
    await trader.create_key()
    batch = [trader.signed(UP, 0.30 + i / 100, 5) for i in range(15)]

    first, _, first_headers = await trader.request("POST", "/orders", batch)
    second, body, headers = await trader.request("POST", "/orders", batch[:10])

    assert first == 200 and first_headers["Poly-RateLimit-Remaining"] == "5"
    assert second == 429 and body == {"error": "Too Many Requests"}
    assert headers["Poly-RateLimit-Limit"] == "20" and headers["Poly-RateLimit-Reset"] == "5"


async def test_cancel_all_costs_one_plus_the_orders_it_cancelled(env: Any) -> None:
    http, _, _ = env
    trader = Trader(http)
    await trader.create_key()
    await trader.request("POST", "/orders", [trader.signed(UP, 0.30 + i / 100, 5) for i in range(6)])

    status, result, _ = await trader.request("DELETE", "/cancel-all")
    refused, _, _ = await trader.request("DELETE", "/order", {"orderID": "0x01"})

    assert status == 200 and len(result["canceled"]) == 6
    assert refused == 429


async def test_the_dead_man_cancels_orders_placed_over_rest_once_heartbeats_stop(env: Any) -> None:
    http, exchange, clock = env
    trader = Trader(http)
    creds = await trader.create_key()
    status, beat, _ = await trader.request("POST", "/v1/heartbeats", {"heartbeat_id": ""})
    _, placed, _ = await trader.request("POST", "/order", trader.signed(UP, 0.40, 5))

    clock.now_s += 10.5
    exchange.advance()
    _, open_orders, _ = await trader.request("GET", "/data/orders")
    _, stale, _ = await trader.request("POST", "/v1/heartbeats", {"heartbeat_id": beat["heartbeat_id"]})

    assert status == 200 and placed["status"] == "live"
    assert open_orders["data"] == []
    assert exchange.order(placed["orderID"]).status == "CANCELED"
    assert exchange.open_orders(creds.api_key) == []
    assert stale == {"error_msg": "Invalid Heartbeat ID", "heartbeat_id": ""}  # disarmed: start again from ""


async def test_open_orders_paginate_from_the_initial_to_the_end_cursor(env: Any) -> None:
    http, _, _ = env
    trader = Trader(http)
    await trader.create_key()
    _, legs, _ = await trader.request(
        "POST", "/orders", [trader.signed(UP, 0.30 + i / 100, 5) for i in range(5)]
    )

    pages, cursor = [], "MA=="
    while cursor != "LTE=":
        _, page, _ = await trader.request("GET", "/data/orders", params={"next_cursor": cursor})
        pages.append(len(page["data"]))
        cursor = page["next_cursor"]

    assert pages == [2, 2, 1]
    _, by_id, _ = await trader.request("GET", "/data/orders", params={"id": legs[3]["orderID"]})
    assert [o["id"] for o in by_id["data"]] == [legs[3]["orderID"]]


async def test_cancel_market_orders_clears_one_token_only(env: Any) -> None:
    http, _, _ = env
    trader = Trader(http)
    await trader.create_key()
    await trader.request("POST", "/orders", [trader.signed(UP, 0.30, 5), trader.signed(DOWN, 0.30, 5)])

    _, result, _ = await trader.request("DELETE", "/cancel-market-orders", {"asset_id": DOWN})
    _, left, _ = await trader.request("GET", "/data/orders", params={"market": CID})

    assert len(result["canceled"]) == 1
    assert [o["asset_id"] for o in left["data"]] == [UP]


async def test_introspection_shows_every_order_fill_and_balance(env: Any) -> None:
    http, exchange, _ = env
    trader = Trader(http)
    creds = await trader.create_key()
    exchange.ensure_account("mm", None, 10**10)
    exchange.adjust_position("mm", UP, 10**9)
    exchange.submit_internal("mm", UP, "SELL", 500_000, 10_000_000)
    await trader.request("POST", "/order", trader.signed(UP, 0.50, 6))
    _, cancel_me, _ = await trader.request("POST", "/order", trader.signed(UP, 0.20, 5))
    await trader.request("DELETE", "/order", {"orderID": cancel_me["orderID"]})

    async with http.get("/sim/orders", params={"api_key": creds.api_key}) as resp:
        orders = (await resp.json())["orders"]
    async with http.get("/sim/trades", params={"api_key": creds.api_key}) as resp:
        trades = (await resp.json())["trades"]
    async with http.get(f"/sim/accounts/{trader.signer.address()}") as resp:
        account = await resp.json()
    async with http.get("/sim/markets") as resp:
        markets = (await resp.json())["markets"]

    assert [(o["status"], o["size_matched_micro"]) for o in orders] == [
        ("MATCHED", 6_000_000),
        ("CANCELED", 0),
    ]
    assert trades[0]["size_micro"] == 6_000_000 and trades[0]["fee_micro"] == 105_000
    assert account["positions_micro"] == {UP: 6_000_000}
    assert account["cash_micro"] == ExchangeConfig().faucet_pusd_micro - 3_000_000 - 105_000
    assert markets[0]["condition_id"] == CID and markets[0]["winner_index"] is None
