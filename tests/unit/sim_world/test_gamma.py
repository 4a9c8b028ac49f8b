"""Gamma as real clients read it: JSON-string fields, the real field names and types, 404s."""

from __future__ import annotations

import gzip
import json

import aiohttp
from aiohttp import web

from sim.gamma import GammaSource, add_gamma_routes
from sim.world.clock import SimClock
from sim.world.config import ResolutionRule, SeriesConfig, WorldConfig
from sim.world.gamma_view import iso_z
from sim.world.world import World
from tests.shared_data import SHARED_DATA, needs_shared_data
from tests.unit.sim_world.conftest import serving

START_MS = 1_790_000_100_000  # 2026-09: the TWAP era


def _gamma(world: World, clock: SimClock) -> web.Application:
    app = web.Application()
    add_gamma_routes(app, GammaSource(find=world.window_by_slug, now_s=clock.now_s, seed=1))
    return app


def _world_after(seconds: int, rule: ResolutionRule = ResolutionRule.TWAP) -> tuple[World, SimClock]:
    clock = SimClock(START_MS)
    world = World(WorldConfig(seed=1, series=(SeriesConfig("btc", 300, rule=rule),)), START_MS)
    for _ in range(seconds):
        world.advance(clock.advance_ms(1000))
    return world, clock


async def _get(url: str) -> tuple[int, object]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, await resp.json()


async def test_an_event_looked_up_by_slug_parses_the_way_real_clients_parse_it():
    world, clock = _world_after(5)
    window = min(world.windows(), key=lambda w: w.start_s)

    async with serving(_gamma(world, clock)) as base:
        status, event = await _get(f"{base}/gamma/events/slug/{window.slug}")

    assert status == 200
    market = event["markets"][0]
    assert json.loads(market["outcomes"]) == ["Up", "Down"]
    assert json.loads(market["clobTokenIds"]) == list(window.ids.token_ids)
    prices = json.loads(market["outcomePrices"])
    assert len(prices) == 2 and sum(float(p) for p in prices) == 1.0
    assert market["conditionId"] == window.ids.condition_id
    assert market["questionID"] == window.ids.question_id
    assert market["eventStartTime"] == iso_z(window.start_s) and market["endDate"] == iso_z(window.end_s)
    assert market["acceptingOrders"] is True and market["closed"] is False
    assert market["orderPriceMinTickSize"] == 0.01 and market["orderMinSize"] == 5
    assert market["feeSchedule"] == {"rate": 0.07, "exponent": 1, "takerOnly": True, "rebateRate": 0.2}
    assert market["cryptoMarketConfig"]["twapEnabled"] is True
    assert market["cryptoMarketConfig"]["twapLookbackSeconds"] == 60
    assert market["resolutionSource"] == "https://data.chain.link/streams/btc-usd-twap-60s-streams"
    assert event["seriesSlug"] == "btc-up-or-down-5m"
    assert event["series"][0]["slug"] == "btc-up-or-down-5m"
    assert event["eventMetadata"]["priceToBeat"] == window.strike_e18 / 10**18


async def test_list_queries_return_lists_and_unknown_slugs_are_404_or_empty():
    world, clock = _world_after(1)
    slug = min(world.windows(), key=lambda w: w.start_s).slug

    async with serving(_gamma(world, clock)) as base:
        events = await _get(f"{base}/gamma/events?slug={slug}")
        markets = await _get(f"{base}/gamma/markets?slug={slug}")
        one_market = await _get(f"{base}/gamma/markets/slug/{slug}")
        unknown_event = await _get(f"{base}/gamma/events/slug/btc-updown-5m-1")
        unknown_market = await _get(f"{base}/gamma/markets/slug/eth-updown-5m-{slug[-10:]}")
        unknown_list = await _get(f"{base}/gamma/events?slug=nothing-here")

    assert events[0] == 200 and events[1][0]["markets"][0]["slug"] == slug
    assert markets[0] == 200 and markets[1][0]["slug"] == slug
    assert one_market[0] == 200 and one_market[1]["events"][0]["slug"] == slug
    assert unknown_event[0] == 404 and unknown_market[0] == 404
    assert unknown_list == (200, [])


async def test_a_resolved_window_is_closed_with_its_winner_and_the_next_strike_is_its_final_price():
    world, clock = _world_after(300 + 120)
    first = min(world.windows(), key=lambda w: w.start_s)
    following = world.window_by_slug(f"btc-updown-5m-{first.end_s}")

    async with serving(_gamma(world, clock)) as base:
        _, event = await _get(f"{base}/gamma/events/slug/{first.slug}")
        _, next_event = await _get(f"{base}/gamma/events/slug/{following.slug}")

    market = event["markets"][0]
    assert first.resolved and market["closed"] is True and event["closed"] is True
    assert json.loads(market["outcomePrices"]) == (["1", "0"] if first.winner == 0 else ["0", "1"])
    assert event["eventMetadata"]["finalPrice"] == next_event["eventMetadata"]["priceToBeat"]


@needs_shared_data
async def test_market_fields_have_the_names_and_types_of_real_btc_markets():
    # Arrange: every field of the real 5-minute market objects, with its JSON type.
    path = SHARED_DATA / "chainlink" / "BTC-5m-markets-2026-07-24.jsonl.gz"
    with gzip.open(path, "rt") as fh:
        real = [json.loads(line)["raw"] for line in fh]
    fixture_event = json.loads((SHARED_DATA / "polymarket-ws" / "fixtures" / "gamma_market.json").read_text())
    world, clock = _world_after(300 + 120, rule=ResolutionRule.SPOT)
    resolved = min(world.windows(), key=lambda w: w.start_s)

    # Act
    async with serving(_gamma(world, clock)) as base:
        _, market = await _get(f"{base}/gamma/markets/slug/{resolved.slug}")

    # Assert
    def kind(v: object) -> str:
        return "number" if isinstance(v, int | float) and not isinstance(v, bool) else type(v).__name__

    real_keys = set().union(*(r.keys() for r in real))
    assert real_keys <= set(market), sorted(real_keys - set(market))
    for key in real_keys:
        assert kind(market[key]) in {kind(r[key]) for r in real if key in r}, key
    real_event = fixture_event["events"][0]
    assert set(real_event) <= set(market["events"][0])
    assert set(real_event["series"][0]) <= set(market["events"][0]["series"][0])
    for key, value in real_event.items():
        assert kind(market["events"][0][key]) == kind(value), key
    assert market["resolutionSource"] == real[0]["resolutionSource"]
    assert market["description"].replace("Bitcoin", "X") == real[0]["description"].replace("Bitcoin", "X")
