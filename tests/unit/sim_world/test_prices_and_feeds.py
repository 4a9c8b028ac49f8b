"""The price path and reference feeds: determinism, lead/lag, the TWAP definition, stale periods."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.world.config import E18, FeedConfig, PathConfig, SeriesConfig, WorldConfig
from sim.world.feeds import AssetFeeds, Source
from sim.world.pricepath import RegimePath
from sim.world.world import World

START_MS = 1_790_000_100_000
#: The TWAP sampled at the per-second reports themselves: the average a client makes of the spot.
PER_SECOND = FeedConfig(twap_sample_interval_ms=1000, twap_sample_phase_ms=0)


class TablePath:
    """A path given as a per-second table of reports (true price = the report of that second)."""

    def __init__(self, table: dict[int, int]) -> None:
        self.table = table

    def report_at(self, s: int) -> int | None:
        return self.table.get(s)

    def oracle_at(self, t_ms: int) -> int | None:
        return self.table.get(t_ms // 1000)

    def true_at(self, t_ms: int) -> int:
        s = max(t_ms // 1000, min(self.table))  # before the table: its first value
        while s not in self.table:
            s -= 1
        return self.table[s]


def _run(seed: int, seconds: int) -> list[tuple[str, int, int]]:
    world = World(WorldConfig(seed=seed), START_MS)
    out = []
    for k in range(1, seconds + 1):
        for tick in world.advance(START_MS + k * 1000).ticks:
            out.append((tick.source.value, tick.timestamp_ms, tick.value_e18))
    return out


def test_the_same_seed_gives_the_same_feed_ticks_and_another_seed_does_not():
    first = _run(seed=7, seconds=30)
    again = _run(seed=7, seconds=30)
    other = _run(seed=8, seconds=30)

    assert first == again
    assert len(first) >= 80
    assert first != other


def test_the_path_does_not_depend_on_how_often_it_is_queried():
    cfg = PathConfig()
    coarse = RegimePath(random.Random("a"), 63_000 * E18, 0, cfg, 1000)
    fine = RegimePath(random.Random("a"), 63_000 * E18, 0, cfg, 1000)
    for t in range(0, 60_000, 7):
        fine.true_at(t)

    instants = range(0, 60_000, 1000)
    assert [coarse.true_at(t) for t in instants] == [fine.true_at(t) for t in instants]


def test_regimes_switch_and_volatile_regimes_move_more():
    cfg = PathConfig(regime_mean_duration_s=600.0)
    path = RegimePath(random.Random(3), 63_000 * E18, 0, cfg, 1000)
    path.true_at(4 * 3600 * 1000)

    assert set(path.regimes) == {0, 1, 2}


def test_chainlink_ticks_are_second_aligned_and_published_after_their_timestamp():
    world = World(WorldConfig(seed=1), START_MS)

    ticks = world.advance(START_MS + 10_000).ticks

    chainlink = [t for t in ticks if t.source is Source.CHAINLINK]
    assert len(chainlink) >= 9
    assert all(t.timestamp_ms % 1000 == 0 for t in chainlink)
    assert all(t.publish_ms - t.timestamp_ms == FeedConfig().chainlink_publish_lag_ms for t in chainlink)


def test_the_binance_print_leads_the_chainlink_report_of_the_same_instant():
    table = {s: (60_000 + s % 50) * E18 for s in range(0, 400)}
    feeds = AssetFeeds(
        "btc",
        TablePath(table),
        FeedConfig(binance_noise_bps=0.0, binance_basis_bps=0.0, chainlink_value_lag_ms=0, lead_weights=(1.0,)),
        seed=0,
        now_ms=200_000,
        warmup_s=100,
    )

    ticks = feeds.advance(300_000)

    binance = {t.timestamp_ms: t for t in ticks if t.source is Source.BINANCE}
    chainlink = {t.timestamp_ms: t for t in ticks if t.source is Source.CHAINLINK}
    common = sorted(set(binance) & set(chainlink))
    assert len(common) > 50
    assert all(binance[t].value_e18 == chainlink[t].value_e18 for t in common)
    assert all(binance[t].publish_ms < chainlink[t].publish_ms for t in common)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=10**24), min_size=120, max_size=120),
    st.sets(st.integers(min_value=61, max_value=119), max_size=20),
)
def test_twap60_sampled_per_second_is_the_floor_of_the_mean_of_the_held_per_second_reports(values, gaps):
    table = {s: v for s, v in enumerate(values) if s not in gaps}
    feeds = AssetFeeds("btc", TablePath(table), PER_SECOND, seed=0, now_ms=300_000, warmup_s=300)

    held, last = [], None
    for s in range(120):
        last = table.get(s, last)
        held.append(last)

    assert feeds.twap(119) == sum(held[60:120]) // 60


def test_the_default_twap_samples_its_own_half_seconds_so_it_lags_the_per_second_average():
    # Arrange: a per-second table whose oracle holds each report until the next one; the default
    # samples at s-0.75 and s-0.25 both read the report of second s-1.
    table = {s: (60_000 + s * s) * E18 for s in range(0, 400)}

    feeds = AssetFeeds("btc", TablePath(table), FeedConfig(), seed=0, now_ms=300_000, warmup_s=150)

    # Assert: the mean of the 60 reports before s, not of the 60 ending at s (the bot's average)
    assert feeds.twap(250) == sum(table[s] for s in range(190, 250)) // 60
    per_second = AssetFeeds("btc", TablePath(table), PER_SECOND, seed=0, now_ms=300_000, warmup_s=150)
    assert per_second.twap(250) == sum(table[s] for s in range(191, 251)) // 60 != feeds.twap(250)


@pytest.mark.parametrize("cfg", [PER_SECOND, FeedConfig()], ids=["per-second", "default"])
def test_a_stale_oracle_publishes_nothing_and_the_twap_holds_the_last_report(cfg):
    table = {s: (60_000 + s) * E18 for s in range(0, 400)}
    feeds = AssetFeeds("btc", TablePath(table), cfg, seed=0, now_ms=200_000, warmup_s=150)
    feeds.go_stale(210, 240)

    ticks = feeds.advance(260_000)

    seconds = {t.timestamp_ms // 1000 for t in ticks if t.source is not Source.BINANCE}
    assert not seconds & set(range(210, 240))
    assert feeds.value_at_or_before(239) == table[209]
    first = 180 if cfg is PER_SECOND else 179  # the default's samples of second s read report s-1
    expected = (sum(table[s] for s in range(first, 210)) + (first + 60 - 210) * table[209]) // 60
    assert feeds.twap(239) == expected
    assert feeds.published_twap(239) == feeds.twap(209)  # settlement reads the last print before


def test_each_asset_of_the_config_gets_its_own_feeds():
    cfg = WorldConfig(series=(SeriesConfig("btc", 900), SeriesConfig("eth", 900)))

    world = World(cfg, START_MS)

    ticks = world.advance(START_MS + 5000).ticks
    assert {t.symbol for t in ticks} == {"btc/usd", "btcusdt", "eth/usd", "ethusdt"}


def _tail_ratio(cfg: PathConfig) -> float:
    """p99 over p90 of the path's |1-s log return| within one regime (a normal's is 2.58 / 1.64)."""
    path = RegimePath(random.Random(11), 63_000 * E18, 0, replace(cfg, regime_vols=(0.4, 0.4, 0.4)), 0)
    prices = [path.true_at(s * 1000) for s in range(3 * 3600)]
    moves = sorted(abs(math.log(b / a)) for a, b in itertools.pairwise(prices))
    return moves[int(0.99 * len(moves))] / moves[int(0.9 * len(moves))]


def test_the_path_moves_in_bursts_so_its_one_second_returns_have_the_recorded_heavy_tails():
    bursty = _tail_ratio(PathConfig(jump_rate_per_hour=0.0))
    smooth = _tail_ratio(PathConfig(jump_rate_per_hour=0.0, burst_share=0.0))

    assert smooth < 1.8  # a normal's 1.57
    assert bursty > 2.3  # the recorded Chainlink days': 3.98 / 1.36 = 2.9 (through the oracle)
