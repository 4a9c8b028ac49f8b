"""The market and user websockets, subscribed to as the real clients do, against the real captures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType

from sim.exchange import Event, ExchangeConfig
from tests.shared_data import SHARED_DATA, needs_shared_data

from .harness import Trader, start
from .server import CID, DOWN, UP

pytestmark = pytest.mark.integration
WS = SHARED_DATA / "polymarket-ws"


def _capture(name: str) -> dict[str, Any]:
    return json.loads((WS / name).read_text())


async def _receive_until(
    ws: ClientWebSocketResponse,
    wanted: set[str],
    seen: dict[str, list[Any]],
    counts: dict[str, int] | None = None,
) -> None:
    """Collect messages by event type (and raw texts) until every wanted key was seen (``counts`` times)."""

    def done() -> bool:
        return wanted <= set(seen) and all(len(seen.get(k, [])) >= n for k, n in (counts or {}).items())

    async def loop() -> None:
        while not done():
            msg = await ws.receive()
            assert msg.type == WSMsgType.TEXT, msg
            try:
                data = json.loads(msg.data)
            except ValueError:
                seen.setdefault(msg.data, []).append(msg.data)
                continue
            for item in data if isinstance(data, list) else [data]:
                seen.setdefault(item["event_type"], []).append(item)

    await asyncio.wait_for(loop(), 5)


def _assert_shaped_like(
    ours: dict[str, Any], capture: dict[str, Any], optional_null: tuple[str, ...] = ()
) -> None:
    assert set(capture) <= set(ours), set(capture) - set(ours)
    for key, value in capture.items():
        if value is None or key in optional_null:
            continue
        assert type(ours[key]) is type(value), (key, ours[key], value)
        if key in ("timestamp", "created_at", "match_time", "last_update", "expiration") and value != "0":
            assert len(ours[key]) == len(value), (key, ours[key], value)  # same unit (s vs ms)


@pytest.fixture
async def session() -> AsyncIterator[tuple[ClientSession, Any, Any]]:
    # No taker delay: these tests compare event shapes with the captures, and the captured taker
    # was answered "matched" (the delay has tests of its own: tests/unit/sim_exchange/test_taker_delay.py).
    server, exchange, clock = await start(ExchangeConfig(taker_delay_ms=0))
    async with ClientSession(base_url=str(server.make_url(""))) as http:
        yield http, exchange, clock
    await server.close()


@needs_shared_data
async def test_market_and_user_channels_deliver_every_event_shaped_like_the_captures(session: Any) -> None:
    http, exchange, clock = session
    trader = Trader(http)
    creds = await trader.create_key()
    exchange.ensure_account("mm", None, 10**10)
    exchange.adjust_position("mm", UP, 10**9)
    market_ws = await http.ws_connect("/ws/market")
    user_ws = await http.ws_connect("/ws/user")
    await market_ws.send_str(
        json.dumps({"assets_ids": [UP, DOWN], "type": "market", "custom_feature_enabled": True})
    )
    await user_ws.send_str(
        json.dumps(
            {
                "auth": {
                    "apiKey": creds.api_key,
                    "secret": creds.api_secret,
                    "passphrase": creds.api_passphrase,
                },
                "markets": [CID],
                "assets_ids": [],
                "type": "user",
            }
        )
    )
    market: dict[str, list[Any]] = {}
    user: dict[str, list[Any]] = {}
    await _receive_until(market_ws, {"book"}, market)
    await market_ws.send_str("PING")
    await market_ws.send_str(
        json.dumps({"operation": "subscribe", "assets_ids": [UP], "custom_feature_enabled": True})
    )
    await _receive_until(market_ws, {"PONG", "NO NEW ASSETS"}, market)

    exchange.submit_internal("mm", UP, "SELL", 520_000, 50_000_000)
    status, taker, _ = await trader.request("POST", "/order", trader.signed(UP, 0.52, 10))
    status_rest, rest, _ = await trader.request("POST", "/order", trader.signed(DOWN, 0.30, 10))
    exchange.set_tick_size(CID, 1_000)
    clock.now_s += 6
    exchange.advance()
    exchange.resolve(CID, 0)
    await _receive_until(
        market_ws,
        {"price_change", "last_trade_price", "best_bid_ask", "tick_size_change", "market_resolved"},
        market,
    )
    await _receive_until(user_ws, {"order", "trade"}, user, counts={"order": 3, "trade": 3})

    assert (status, status_rest) == (200, 200) and taker["status"] == "matched"
    assert [b["asset_id"] for b in market["book"][:2]] == [UP, DOWN]
    _assert_shaped_like(market["book"][0], _capture("captures/ws/book.json"))
    change = market["price_change"][0]
    _assert_shaped_like(
        change, _capture("captures/ws/price_change_v2.json"), optional_null=("price_changes",)
    )
    _assert_shaped_like(
        change["price_changes"][0], _capture("captures/ws/price_change_v2.json")["price_changes"][0]
    )
    assert {c["asset_id"] for c in change["price_changes"]} == {UP, DOWN}  # both mirrored tokens
    _assert_shaped_like(market["last_trade_price"][0], _capture("captures/ws/last_trade_price.json"))
    _assert_shaped_like(market["tick_size_change"][0], _capture("captures/ws/tick_size_change.json"))
    assert market["tick_size_change"][0]["new_tick_size"] == "0.001"
    _assert_shaped_like(market["best_bid_ask"][0], _capture("fixtures/ws_market_best_bid_ask_msg.json"))
    _assert_shaped_like(market["market_resolved"][0], _capture("fixtures/ws_market_resolved_msg.json"))
    assert market["market_resolved"][0]["winning_asset_id"] == UP

    orders = {(o["id"], o["type"], o["status"]) for o in user["order"]}
    assert (taker["orderID"], "UPDATE", "MATCHED") in orders
    assert (rest["orderID"], "PLACEMENT", "LIVE") in orders
    assert (rest["orderID"], "CANCELLATION", "CANCELED_MARKET_RESOLVED") in orders
    placement = next(o for o in user["order"] if o["type"] == "PLACEMENT")
    _assert_shaped_like(
        placement, _capture("captures/ws/order_placement.json"), optional_null=("associate_trades",)
    )
    assert [t["status"] for t in user["trade"]] == ["MATCHED", "MINED", "CONFIRMED"]
    trade = user["trade"][0]
    _assert_shaped_like(trade, _capture("captures/ws/user_trade2.json"))
    _assert_shaped_like(trade["maker_orders"][0], _capture("captures/ws/user_trade3.json")["maker_orders"][0])
    assert trade["trader_side"] == "TAKER" and trade["owner"] == creds.api_key
    await market_ws.close()
    await user_ws.close()


async def test_a_user_socket_with_a_wrong_secret_is_closed(session: Any) -> None:
    http, _, _ = session
    creds = await Trader(http).create_key()
    ws = await http.ws_connect("/ws/user")

    await ws.send_str(
        json.dumps(
            {
                "auth": {"apiKey": creds.api_key, "secret": "x", "passphrase": "y"},
                "markets": [],
                "type": "user",
            }
        )
    )
    msg = await asyncio.wait_for(ws.receive(), 5)

    assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)


async def test_unsubscribed_assets_stop_receiving_events(session: Any) -> None:
    http, exchange, _ = session
    exchange.ensure_account("mm", None, 10**10)
    ws = await http.ws_connect("/ws/market")
    await ws.send_str(json.dumps({"assets_ids": [UP, DOWN], "type": "market"}))
    await _receive_until(ws, {"book"}, {})

    await ws.send_str(json.dumps({"operation": "unsubscribe", "assets_ids": [UP, DOWN]}))
    await ws.send_str("PING")
    await _receive_until(ws, {"PONG"}, {})
    exchange.submit_internal("mm", UP, "BUY", 400_000, 5_000_000)
    await ws.send_str("PING")
    seen: dict[str, list[Any]] = {}
    await _receive_until(ws, {"PONG"}, seen)

    assert set(seen) == {"PONG"}
    await ws.close()


async def test_a_published_new_market_reaches_every_subscriber_with_custom_features(session: Any) -> None:
    http, exchange, _ = session
    plain, custom = await http.ws_connect("/ws/market"), await http.ws_connect("/ws/market")
    await plain.send_str(json.dumps({"assets_ids": [UP], "type": "market"}))
    await custom.send_str(json.dumps({"assets_ids": [UP], "type": "market", "custom_feature_enabled": True}))
    for ws in (plain, custom):
        await _receive_until(ws, {"book"}, {})
    payload = {"event_type": "new_market", "market": "0x" + "99" * 32, "assets_ids": ["7", "8"]}

    exchange.publish(Event("market", payload["market"], ("7", "8"), payload))
    for ws in (plain, custom):
        await ws.send_str("PING")
    got_plain: dict[str, list[Any]] = {}
    got_custom: dict[str, list[Any]] = {}
    await _receive_until(plain, {"PONG"}, got_plain)
    await _receive_until(custom, {"new_market", "PONG"}, got_custom)

    assert "new_market" not in got_plain
    assert got_custom["new_market"] == [payload]
    await plain.close()
    await custom.close()


@needs_shared_data
async def test_the_rest_book_has_the_fields_of_the_real_one(session: Any) -> None:
    http, exchange, _ = session
    exchange.ensure_account("mm", None, 10**10)
    exchange.submit_internal("mm", UP, "BUY", 480_000, 5_000_000)

    async with http.get("/book", params={"token_id": UP}) as resp:
        book = await resp.json()
    async with http.get("/book", params={"token_id": "42"}) as missing:
        error = (missing.status, await missing.json())

    _assert_shaped_like(book, _capture("captures/http/book.json"))
    assert book["bids"] == [{"price": "0.48", "size": "5"}]
    assert error == (404, {"error": "No orderbook exists for the requested token id"})
