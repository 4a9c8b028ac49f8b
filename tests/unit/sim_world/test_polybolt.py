"""The emulator's PolyBolt: auth with the API keys, both channels with snapshots and consecutive
seq, ping/pong, the limits (auth first, 64 subscriptions, 20 subscribe frames a second) and faults."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from aiohttp import web
from websockets.exceptions import ConnectionClosed

from sim.faults import FaultKind, FaultProfile, Faults
from sim.polybolt import PolyBoltHub
from sim.polybolt_conn import PolyBoltLimits
from sim.world.clock import SimClock
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.world import World
from tests.unit.sim_world.conftest import serving

START_MS = 1_790_000_100_000
RECV_TIMEOUT_S = 5
KEYS = {"k1": ("s1", "p1")}
AUTH = {"op": "auth", "rid": "a", "auth": {"apiKey": "k1", "secret": "s1", "passphrase": "p1"}}
BOTH = [{"channel": "price.crypto", "filter": {"symbol": "btcusd"}},
        {"channel": "price.crypto.twap", "filter": {"symbol": "btcusd", "window_seconds": 60}}]


class Rig:
    def __init__(self, faults: Faults | None = None, limits: PolyBoltLimits | None = None) -> None:
        self.clock = SimClock(START_MS)
        self.world = World(WorldConfig(seed=4, series=(SeriesConfig("btc", 900),)), START_MS)
        self.hub = PolyBoltHub(self.clock.now_ms, KEYS.get, faults, limits)
        self.app = web.Application()
        self.hub.add_routes(self.app)

    def run(self, seconds: int) -> None:
        for _ in range(seconds):
            for tick in self.world.advance(self.clock.advance_ms(1000)).ticks:
                self.hub.publish(tick)


async def recv(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S))


async def authed(ws, subs=BOTH) -> list[dict]:
    await ws.send(json.dumps(AUTH))
    assert await recv(ws) == {"op": "authed", "rid": "a"}
    await ws.send(json.dumps({"op": "subscribe", "rid": "s", "subscriptions": subs}))
    return [await recv(ws) for _ in range(2 * len(subs))]


async def test_both_channels_snapshot_then_update_with_consecutive_seq():
    rig = Rig()
    rig.run(90)
    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/ws-live-v2/ws") as ws:
        replies = await authed(ws)
        rig.run(3)
        updates = [await recv(ws) for _ in range(6)]
        await ws.send('{"op":"ping","rid":"p"}')
        assert await recv(ws) == {"op": "pong", "rid": "p"}

    acks = [r for r in replies if r.get("op") == "subscribed"]
    assert [a["channel"] for a in acks] == ["price.crypto", "price.crypto.twap"]
    snaps = {r["channel"]: r for r in replies if r.get("snapshot")}
    assert snaps["price.crypto"]["payload"]["source"] == "pyth"
    assert snaps["price.crypto.twap"]["payload"]["window_seconds"] == 60
    assert all(s["seq"] == 1 and s["v"] == 1 and len(s["payload"]["data"]) >= 60 for s in snaps.values())
    for channel in snaps:
        seqs = [u["seq"] for u in updates if u["channel"] == channel]
        assert seqs == list(range(2, 2 + len(seqs))) and seqs
    assert all(isinstance(u["payload"]["full_accuracy_value"], str) for u in updates)


async def test_bad_credentials_are_refused_then_closed_4001():
    rig = Rig()
    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/polybolt") as ws:
        await ws.send(json.dumps({**AUTH, "auth": {**AUTH["auth"], "secret": "wrong"}}))
        assert (await recv(ws))["code"] == "auth_invalid"
        with pytest.raises(ConnectionClosed):
            await recv(ws)
        assert ws.close_code == 4001


async def test_subscribing_before_auth_and_beyond_the_limits_is_refused():
    rig = Rig(limits=PolyBoltLimits(max_subscriptions=1, subscribe_frames_per_s=2))
    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/polybolt") as ws:
        await ws.send(json.dumps({"op": "subscribe", "rid": "early", "subscriptions": BOTH}))
        assert (await recv(ws))["code"] == "auth_required"
        await ws.send(json.dumps(AUTH))
        await recv(ws)
        await ws.send(json.dumps({"op": "subscribe", "rid": "s", "subscriptions": BOTH}))
        replies = [await recv(ws) for _ in range(3)]
        assert [r.get("code") for r in replies if r.get("op") == "error"] == ["sub_limit"]
        for rid in ("s2", "s3"):  # the third frame in the same second: over the limit of 2
            await ws.send(json.dumps({"op": "subscribe", "rid": rid, "subscriptions": []}))
        with pytest.raises(ConnectionClosed):
            while True:
                await recv(ws)
        assert ws.close_code == 4008


async def test_a_seq_gap_fault_skips_one_number_and_a_close_fault_closes_4003():
    rig = Rig(Faults(FaultProfile("t", {FaultKind.POLYBOLT_SEQ_GAP: 1.0}), 1, SimClock(START_MS).now_ms))
    rig.run(5)
    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/polybolt") as ws:
        await authed(ws, BOTH[:1])
        rig.hub.apply_faults()
        rig.run(2)
        seqs = [(await recv(ws))["seq"] for _ in range(2)]
    assert seqs == [3, 4]  # 2 was skipped

    rig = Rig(Faults(FaultProfile("t", {FaultKind.POLYBOLT_CLOSE: 1.0}), 1, SimClock(START_MS).now_ms))
    async with serving(rig.app) as base, websockets.connect(base.replace("http", "ws") + "/polybolt") as ws:
        await authed(ws, BOTH[:1])
        rig.hub.apply_faults()
        with pytest.raises(ConnectionClosed):
            while True:
                await recv(ws)
        assert ws.close_code == 4003
