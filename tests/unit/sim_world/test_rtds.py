"""RTDS over a real websocket, subscribed as the official client does: snapshots, then updates
shaped like the real captures; ping/pong; unsubscribe; faults."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from aiohttp import web

from sim.faults import FaultKind, FaultProfile, Faults
from sim.rtds import RtdsHub, parse_filters
from sim.world.clock import SimClock
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.world import World
from tests.shared_data import SHARED_DATA, needs_shared_data
from tests.unit.sim_world.conftest import serving

START_MS = 1_790_000_100_000
RECV_TIMEOUT_S = 5
TOPICS = {"crypto_prices", "crypto_prices_chainlink", "crypto_prices_twap_sixty"}


class Rig:
    def __init__(self, faults: Faults | None = None) -> None:
        self.clock = SimClock(START_MS)
        cfg = WorldConfig(seed=4, series=(SeriesConfig("btc", 900), SeriesConfig("eth", 900)))
        self.world = World(cfg, START_MS)
        self.hub = RtdsHub(self.clock.now_ms, faults)
        self.app = web.Application()
        self.hub.add_routes(self.app)

    def run(self, seconds: int) -> None:
        for _ in range(seconds):
            for tick in self.world.advance(self.clock.advance_ms(1000)).ticks:
                self.hub.publish(tick)


async def _recv_json(ws) -> dict:
    while True:
        raw = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S)
        if raw.startswith("{"):
            return json.loads(raw)


async def _collect(ws, n: int) -> list[dict]:
    return [await _recv_json(ws) for _ in range(n)]


SUBSCRIBE = {
    "action": "subscribe",
    "subscriptions": [
        {"topic": "crypto_prices", "type": "update", "filters": "btcusdt"},
        {"topic": "crypto_prices_chainlink", "type": "*", "filters": json.dumps({"symbol": "btc/usd"})},
        {"topic": "crypto_prices_twap_sixty", "type": "update", "filters": json.dumps({"symbol": "btc/usd"})},
    ],
}


async def test_a_subscriber_gets_a_snapshot_per_topic_then_updates_of_the_three_topics():
    rig = Rig()
    rig.run(90)

    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/rtds") as ws:
        await ws.send(json.dumps(SUBSCRIBE))
        snapshots = await _collect(ws, 3)
        rig.run(3)
        updates = await _collect(ws, 9)

    assert {s["topic"] for s in snapshots} == TOPICS
    for snap in snapshots:
        assert snap["type"] == "subscribe" and set(snap) == {"topic", "type", "timestamp", "payload"}
        assert snap["payload"]["symbol"] in ("btcusdt", "btc/usd")
        assert len(snap["payload"]["data"]) >= 60
        assert set(snap["payload"]["data"][0]) == {"timestamp", "value"}
    by_topic = {u["topic"]: u for u in updates}
    assert set(by_topic) == TOPICS
    assert all(u["type"] == "update" for u in updates)
    binance = by_topic["crypto_prices"]["payload"]
    assert binance["symbol"] == "btcusdt" and binance["timestamp"] % 1000 == 0
    assert binance["full_accuracy_value"] == f"{binance['value']:.8f}"
    twap = by_topic["crypto_prices_twap_sixty"]["payload"]
    assert twap["window_s"] == 60 and twap["symbol"] == "btc/usd"
    assert int(twap["full_accuracy_value"]) == pytest.approx(twap["value"] * 10**18, rel=1e-12)
    chainlink = by_topic["crypto_prices_chainlink"]["payload"]
    assert chainlink["timestamp"] % 1000 == 0 and isinstance(chainlink["value"], float)


@needs_shared_data
async def test_updates_have_the_shape_of_the_real_captures():
    fixtures = SHARED_DATA / "polymarket-ws" / "fixtures"
    real_update = json.loads((fixtures / "rtds_crypto_prices_update.json").read_text())
    real_snapshot = json.loads((fixtures / "rtds_crypto_prices_subscribe.json").read_text())
    rig = Rig()
    rig.run(10)

    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/rtds") as ws:
        await ws.send(
            json.dumps(
                {
                    "action": "subscribe",
                    "subscriptions": [{"topic": "crypto_prices", "type": "update", "filters": "btcusdt"}],
                }
            )
        )
        snapshot = await _recv_json(ws)
        rig.run(2)
        update = await _recv_json(ws)

    assert set(update) == set(real_update) and set(update["payload"]) == set(real_update["payload"])
    assert set(snapshot) == set(real_snapshot) and set(snapshot["payload"]) == set(real_snapshot["payload"])
    for ours, theirs in ((update, real_update), (snapshot, real_snapshot)):
        assert type(ours["timestamp"]) is type(theirs["timestamp"])
        assert ours["topic"] == theirs["topic"] and ours["type"] == theirs["type"]


async def test_ping_gets_pong_and_an_unsubscribed_topic_stops():
    rig = Rig()
    rig.run(5)

    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/rtds") as ws:
        await ws.send(
            json.dumps(
                {
                    "action": "subscribe",
                    "subscriptions": [
                        {"topic": "crypto_prices", "type": "update"},
                        {"topic": "crypto_prices_chainlink", "type": "*"},
                    ],
                }
            )
        )
        await ws.send("ping")
        assert await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S) == "pong"
        await ws.send("PING")
        assert await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S) == "PONG"
        rig.run(2)
        first = await _collect(ws, 8)
        await ws.send(json.dumps({"action": "unsubscribe", "subscriptions": [{"topic": "crypto_prices"}]}))
        await asyncio.sleep(0.1)
        rig.run(3)
        later = await _collect(ws, 6)

    assert {u["payload"]["symbol"] for u in first if u["topic"] == "crypto_prices"} == {"btcusdt", "ethusdt"}
    assert {u["topic"] for u in later} == {"crypto_prices_chainlink"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("btcusdt", {"btcusdt"}),
        ("btcusdt,ETHUSDT", {"btcusdt", "ethusdt"}),
        ('{"symbol":"btc/usd"}', {"btc/usd"}),
        ({"symbol": "BTCUSDT"}, {"btcusdt"}),
        ('["btc/usd"]', {"btc/usd"}),
    ],
)
def test_filters_are_accepted_as_a_comma_list_a_json_string_or_nothing(raw, expected):
    assert parse_filters(raw) == (frozenset(expected) if expected is not None else None)


async def test_a_slow_consumer_fault_closes_the_socket_with_1008():
    clock = SimClock(START_MS)
    faults = Faults(FaultProfile("test", {FaultKind.WS_SLOW_CONSUMER: 1.0}), seed=0, clock_ms=clock.now_ms)
    rig = Rig(faults)

    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/rtds") as ws:
        await ws.send(json.dumps(SUBSCRIBE))
        await _collect(ws, 3)
        rig.hub.apply_faults()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await _collect(ws, 100)

    assert closed.value.rcvd.code == 1008 and closed.value.rcvd.reason == "slow consumer"


async def test_a_silent_socket_stays_open_but_sends_nothing():
    clock = SimClock(START_MS)
    faults = Faults(FaultProfile("test", {FaultKind.WS_SILENT: 1.0}), seed=0, clock_ms=clock.now_ms)
    rig = Rig(faults)

    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/rtds") as ws:
        await ws.send(json.dumps(SUBSCRIBE))
        await _collect(ws, 3)
        rig.hub.apply_faults()
        rig.run(5)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.5)
        pong = await ws.ping()
        await asyncio.wait_for(pong, RECV_TIMEOUT_S)


async def test_a_malformed_burst_sends_frames_that_are_not_json_and_then_carries_on():
    clock = SimClock(START_MS)
    rig = Rig(Faults(FaultProfile("test", {FaultKind.WS_MALFORMED: 1.0}), seed=0, clock_ms=clock.now_ms))

    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/rtds") as ws:
        await ws.send(json.dumps(SUBSCRIBE))
        await _collect(ws, 3)
        rig.hub.apply_faults()
        rig.run(2)
        frames = [await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S) for _ in range(4)]

    for frame in frames[:3]:
        with pytest.raises(ValueError):
            json.loads(frame)
    assert json.loads(frames[3])["type"] == "update"


async def test_a_dropped_socket_closes_without_a_close_frame():
    clock = SimClock(START_MS)
    rig = Rig(Faults(FaultProfile("test", {FaultKind.WS_DROP: 1.0}), seed=0, clock_ms=clock.now_ms))

    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/rtds") as ws:
        await ws.send(json.dumps(SUBSCRIBE))
        await _collect(ws, 3)
        rig.hub.apply_faults()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await _collect(ws, 100)

    assert closed.value.rcvd is None
    assert rig.hub.connections == 0
