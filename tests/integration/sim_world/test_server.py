"""The whole emulator on a loopback port: a window found through Gamma, background traders' trades
seen on the market websocket, reference prices on RTDS, and the CLI's clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
import websockets

from sim.server import ServerConfig, SimServer
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.trader_config import NoiseConfig, TraderConfig

pytestmark = pytest.mark.integration

#: Generous: background traders trade within a few seconds at the intensities below.
TRADE_WAIT_S = 20
#: The part of a one-minute window the client comes in: past its first steps (CI once met a book
#: with both sides empty, most likely a window just opened), and early enough for a trade in it.
WINDOW_FROM_S, WINDOW_TO_S = 3.0, 35.0
REPO = Path(__file__).resolve().parents[3]


async def _next_event(ws, wanted: str, timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        raw = await asyncio.wait_for(ws.recv(), max(deadline - time.monotonic(), 0.01))
        if not raw.startswith(("{", "[")):
            continue
        parsed = json.loads(raw)
        for event in parsed if isinstance(parsed, list) else [parsed]:
            if event.get("event_type") == wanted or event.get("topic") == wanted:
                return event


async def test_a_client_discovers_the_current_window_on_gamma_and_sees_background_trades():
    # Arrange: one-minute windows and busy noise takers so that trades come quickly.
    traders = TraderConfig(noise=replace(NoiseConfig(), orders_per_min=120.0))
    cfg = ServerConfig(world=WorldConfig(seed=11, series=(SeriesConfig("btc", 60),)), traders=traders)
    server = SimServer(cfg)
    port = await server.start()
    base = f"http://127.0.0.1:{port}"
    try:
        # Act: find the current window by its slug, as discovery does, a few seconds into it (before
        # the makers' first quotes its book is empty) with time left for a trade.
        into = time.time() % 60
        if not WINDOW_FROM_S <= into <= WINDOW_TO_S:
            await asyncio.sleep((WINDOW_FROM_S - into) % 60)
        slug = f"btc-updown-60s-{int(time.time()) // 60 * 60}"
        event = await _get_json(f"{base}/gamma/events/slug/{slug}")
        tokens = json.loads(event["markets"][0]["clobTokenIds"])
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/market") as ws:
            subscribe = {"assets_ids": tokens, "type": "market", "custom_feature_enabled": True}
            await ws.send(json.dumps(subscribe))
            book = await _next_event(ws, "book", 5)
            trade = await _next_event(ws, "last_trade_price", TRADE_WAIT_S)
        async with websockets.connect(f"ws://127.0.0.1:{port}/rtds") as rtds:
            await rtds.send(
                json.dumps(
                    {
                        "action": "subscribe",
                        "subscriptions": [
                            {"topic": "crypto_prices_twap_sixty", "type": "update", "filters": '{"symbol":"btc/usd"}'}
                        ],
                    }
                )
            )
            snapshot = await _next_event(rtds, "crypto_prices_twap_sixty", 5)
            update = await _next_event(rtds, "crypto_prices_twap_sixty", 5)
    finally:
        await server.stop()

    # Assert
    assert event["slug"] == slug and event["markets"][0]["acceptingOrders"] is True
    # a one-minute window can be all but decided when the client comes (the path moves in bursts):
    # then its favourite's side is at the ceiling and the book shows one side only
    assert book["asset_id"] in tokens and (book["bids"] or book["asks"])
    assert trade["asset_id"] in tokens and 0 < float(trade["price"]) < 1
    assert snapshot["type"] == "subscribe" and update["type"] == "update"
    assert update["payload"]["window_s"] == 60


def test_the_cli_serves_gamma_and_the_chain_until_sigterm_and_then_exits_cleanly():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "sim.cli", "--port", "0", "--series", "btc-60s,eth-5m", "--seed", "3"]
    with subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            line = proc.stdout.readline()
            if not line:
                proc.wait(timeout=10)
                pytest.fail(f"the emulator did not start: {proc.stderr.read()}")
            base = line.strip().rsplit(" ", 1)[-1]
            slug = f"eth-updown-5m-{int(time.time()) // 300 * 300}"
            body = asyncio.run(_get_json(f"{base}/gamma/markets/slug/{slug}"))
            chain_id = asyncio.run(_post_json(f"{base}/chain/rpc",
                                              {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}))
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        rc = proc.returncode

    assert "listening on http://127.0.0.1:" in line

    assert body["slug"] == slug and json.loads(body["outcomes"]) == ["Up", "Down"]
    assert chain_id["result"] == "0x89"
    assert rc == 0


async def _get_json(url: str) -> dict:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return await resp.json()


async def _post_json(url: str, body: dict) -> dict:
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as resp:
        return await resp.json()
