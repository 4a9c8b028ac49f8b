"""The emulator's own TWAP: windows settle on exactly the TWAP print it published for their end, and a
client that averages the published per-second spot, as the bot's alpha does, is close to it but not
equal, because the emulator samples its oracle at instants of its own (``sim.world.twap``)."""

from __future__ import annotations

import asyncio
import json

import websockets
from aiohttp import web

from common.venue.polybolt import parse
from sim.polybolt import FULL_DECIMALS, PolyBoltHub
from sim.realism.twap_gap import reconstruct, run
from sim.rtds import fixed_decimals
from sim.world.clock import SimClock
from sim.world.config import FeedConfig, ResolutionRule, SeriesConfig, WorldConfig
from sim.world.windows import ActionKind
from sim.world.world import World
from tests.unit.sim_world.conftest import serving
from workers.alpha.core.history import PriceHistory

#: Short windows, so that a test sees dozens of settlements in a second or two of CPU.
WINDOW_S = 60
WINDOWS = 40
SERIES = SeriesConfig("btc", WINDOW_S, rule=ResolutionRule.TWAP)
START_MS = 1_790_000_040_000
KEYS = {"k1": ("s1", "p1")}
AUTH = {"op": "auth", "rid": "a", "auth": {"apiKey": "k1", "secret": "s1", "passphrase": "p1"}}
BOTH = [{"channel": "price.crypto", "filter": {"symbol": "btcusd"}},
        {"channel": "price.crypto.twap", "filter": {"symbol": "btcusd", "window_seconds": 60}}]


def test_every_window_settles_on_its_published_print_and_a_client_average_misses_it_in_most():
    gap = run(WINDOWS, WINDOW_S, seed=3)

    summary = gap.summary()
    assert summary["windows"] == WINDOWS
    assert summary["settled_on_published"] == 1.0
    assert summary["differ_share"] >= 0.9
    assert 0 < summary["gap_bp_median"] < 1  # close, a fraction of a basis point on BTC


def test_sampled_like_the_client_averages_the_two_agree_exactly():
    per_second = FeedConfig(twap_sample_interval_ms=1000, twap_sample_phase_ms=0)
    world = WorldConfig(seed=3, series=(SERIES,), feed=per_second)

    summary = run(WINDOWS, WINDOW_S, world=world).summary()

    assert summary["settled_on_published"] == 1.0
    assert summary["differ_share"] == 0.0


def test_the_reconstruction_is_the_average_the_bots_alpha_takes():
    spot = {s: (60_000 + 7 * s % 13) * 10**18 for s in range(1000, 1200) if s % 17}  # with gaps
    history = PriceHistory()
    for s in sorted(spot):
        history.add(s, spot[s] / 10**18)

    for end in (1100, 1150, 1199):
        mine = reconstruct(spot, end, 60) / 10**18
        theirs = history.sum_between(end - 59, end) / 60
        assert abs(mine - theirs) < 1e-6


async def _frames_while_running(world: World, clock: SimClock, hub: PolyBoltHub, seconds: int):
    app = web.Application()
    hub.add_routes(app)
    frames, resolved = [], []
    async with serving(app) as base, websockets.connect(base.replace("http", "ws") + "/ws-live-v2/ws") as ws:
        await ws.send(json.dumps(AUTH))
        await ws.send(json.dumps({"op": "subscribe", "rid": "s", "subscriptions": BOTH}))
        for _ in range(seconds):
            step = world.advance(clock.advance_ms(1000))
            for tick in step.ticks:
                hub.publish(tick)
            resolved += [a.window for a in step.actions if a.kind is ActionKind.RESOLVE]
            await asyncio.sleep(0)
        while True:
            try:
                frames.append(await asyncio.wait_for(ws.recv(), 0.5))
            except TimeoutError:
                break
    return frames, resolved


async def test_on_the_wire_the_settlement_is_the_twap_print_and_not_the_average_of_the_spot_prints():
    clock = SimClock(START_MS)
    world = World(WorldConfig(seed=5, series=(SERIES,)), START_MS)
    hub = PolyBoltHub(clock.now_ms, KEYS.get)

    frames, resolved = await asyncio.wait_for(_frames_while_running(world, clock, hub, 6 * WINDOW_S), 60)

    spot, twap = {}, {}
    for raw in frames:
        for tick in parse(raw, 0).ticks:
            into = twap if tick.source == "chainlink_twap60" else spot
            into[tick.venue_ts_ms // 1000] = tick.value_e18
    settled = [w for w in resolved if w.end_s in twap and w.start_s * 1000 > START_MS]
    assert len(settled) >= 3
    for window in settled:
        assert fixed_decimals(window.final_e18, FULL_DECIMALS) == fixed_decimals(twap[window.end_s], FULL_DECIMALS)
    averaged = [reconstruct(spot, w.end_s, 60) for w in settled]
    assert sum(a != twap[w.end_s] for a, w in zip(averaged, settled, strict=True)) >= len(settled) - 1
