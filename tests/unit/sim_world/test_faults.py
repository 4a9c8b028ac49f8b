"""Fault profiles: seeded draws, episodes that last, and stale Chainlink reaching the feeds."""

from __future__ import annotations

import pytest

from sim.faults import HOOKS, PROFILES, FaultKind, FaultProfile, Faults
from sim.server import ServerConfig, SimServer
from sim.world.clock import SimClock
from sim.world.feeds import Source

START_MS = 1_790_000_100_000


def test_the_same_seed_draws_the_same_faults_and_another_seed_others():
    clock = SimClock(START_MS)
    a = Faults.named("chaos", 7, clock.now_ms)
    b = Faults.named("chaos", 7, clock.now_ms)

    seq_a = [a.should(FaultKind.AMBIGUOUS_SUBMIT) for _ in range(5000)]
    seq_b = [b.should(FaultKind.AMBIGUOUS_SUBMIT) for _ in range(5000)]
    c = Faults.named("chaos", 8, clock.now_ms)
    seq_c = [c.should(FaultKind.AMBIGUOUS_SUBMIT) for _ in range(5000)]

    assert seq_a == seq_b
    assert 20 <= sum(seq_a) <= 90  # 1% of 5000
    assert seq_a != seq_c


def test_the_none_profile_never_fires_and_every_kind_has_a_documented_hook():
    faults = Faults.named("none", 0, SimClock(START_MS).now_ms)

    assert not any(faults.should(kind) or faults.in_effect(kind) for kind in FaultKind for _ in range(100))
    assert set(HOOKS) == set(FaultKind)
    assert {"none", "flaky-ws", "rate-limit", "engine-restart", "ambiguous", "chaos"} <= set(PROFILES)


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="unknown fault profile"):
        Faults.named("gremlins", 0, SimClock(START_MS).now_ms)


def test_an_episode_lasts_its_duration_then_ends():
    clock = SimClock(START_MS)
    profile = FaultProfile("test", {FaultKind.ENGINE_RESTART: 1.0}, {FaultKind.ENGINE_RESTART: 3000})
    faults = Faults(profile, 0, clock.now_ms)

    assert faults.in_effect(FaultKind.ENGINE_RESTART)
    clock.advance_ms(2999)
    assert faults.in_effect(FaultKind.ENGINE_RESTART)
    assert faults.fired[FaultKind.ENGINE_RESTART] == 1
    faults.profile = FaultProfile("calm")
    clock.advance_ms(1)
    assert not faults.in_effect(FaultKind.ENGINE_RESTART)


def test_a_stale_chainlink_fault_stops_reports_while_the_lead_feed_goes_on():
    clock = SimClock(START_MS)
    server = SimServer(ServerConfig(faults="stale-oracle"), clock)
    server.faults = Faults(FaultProfile("always", {FaultKind.STALE_CHAINLINK: 1.0}), 0, clock.now_ms)
    feeds = server.world.feeds["btc"]

    for _ in range(50):
        clock.advance_ms(100)
        server.step()
    server.faults = Faults(FaultProfile("calm"), 0, clock.now_ms)
    before = feeds.latest(Source.CHAINLINK).timestamp_ms
    binance_before = feeds.latest(Source.BINANCE).timestamp_ms
    for _ in range(100):
        clock.advance_ms(100)
        server.step()

    assert feeds.latest(Source.CHAINLINK).timestamp_ms == before
    assert feeds.latest(Source.BINANCE).timestamp_ms >= binance_before + 9000
