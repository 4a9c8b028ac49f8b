"""The emulator's market against the real one: a seeded run of the world with its traders, its books
read as ``/book`` serves them, every realism statistic within its stated tolerance (of the stored
targets always, of the recorded data when it is there); the statistics themselves on known inputs;
and the world's recorded defaults equal to what the calibration derives from the files."""

from __future__ import annotations

import math
import random
from dataclasses import asdict

import pytest

from sim.realism.calibrate import derive
from sim.realism.report import TARGETS, compare, emulator_figures, real_figures
from sim.realism.run import RealismRun, run_emulator
from sim.realism.stats import BookSample, oracle_profile, spread_stats
from sim.world import config, trader_config
from sim.world.config import SeriesConfig
from sim.world.trader_config import NoiseConfig
from tests.shared_data import SHARED_DATA, needs_shared_data

#: The command's default length (two 15-minute windows, so both window ends are measured); the
#: stepped clock runs it in seconds.
MINUTES = 31.0
SEED = 0
BTC_15M = SeriesConfig("btc", 900)


@pytest.fixture(scope="module")
def seeded_run() -> RealismRun:
    return run_emulator(MINUTES, SEED, BTC_15M)


def _failures(rows: list) -> list[str]:
    return [f"{r.label}: emulator {r.emulator:.4g} vs {r.target:.4g} ({r.tolerance})"
            for r in rows if r.passed is False]  # fmt: skip


def test_a_seeded_run_is_within_tolerance_of_the_stored_targets(seeded_run):
    rows = compare(emulator_figures(seeded_run), None, seeded_run)

    assert _failures(rows) == []
    assert all(r.passed is not None for r in rows)  # every statistic measured, the thinning twice
    assert len(seeded_run.thinning[120]) == 2


@needs_shared_data
def test_a_seeded_run_is_within_tolerance_of_the_real_data(seeded_run):
    real = real_figures(SHARED_DATA, BTC_15M.window_s)

    rows = compare(emulator_figures(seeded_run), real, seeded_run)

    assert _failures(rows) == []
    assert all(r.real is not None for r in rows)


def test_no_favourite_fills_under_099_ten_seconds_before_the_end(seeded_run):
    assert seeded_run.thinning[10] == [False, False]
    assert sum(seeded_run.thinning[120]) >= 1


def test_the_same_seed_gives_the_same_market_and_another_seed_another():
    first, again, other = (run_emulator(2.0, seed, BTC_15M) for seed in (5, 5, 6))

    assert first.books and asdict(first) == asdict(again)
    assert first.books != other.books


def test_spread_statistics_count_both_tokens_near_money_only():
    samples = [
        BookSample(1, "m", 300.0, 0.49, 0.50, 0.50, 0.51),  # 1 tick on both tokens
        BookSample(2, "m", 300.0, 0.48, 0.50, 0.50, 0.52),  # 2 ticks on both
        BookSample(3, "m", 30.0, 0.40, 0.60, 0.40, 0.60),  # under a minute left: ignored
        BookSample(4, "m", 300.0, 0.05, 0.06, 0.94, 0.95),  # far from the money: ignored
    ]

    got = spread_stats(samples)

    assert got["one_tick_share"] == 0.5
    assert math.isclose(got["spread_p90"], 0.02)


def test_the_oracle_profile_finds_a_one_second_lag():
    rng = random.Random(1)
    lead = {0: 100.0}
    for s in range(1, 300):
        lead[s] = lead[s - 1] * math.exp(rng.gauss(0.0, 1e-4))  # a random walk
    oracle = {s: lead[s - 1] for s in range(1, 300)}

    profile = oracle_profile(oracle, lead)

    assert math.isclose(profile["corr_lag-1"], 1.0)
    assert abs(profile["corr_lag+0"]) < 0.3


@needs_shared_data
def test_the_worlds_feed_and_volatility_defaults_are_what_the_data_gives():
    derived = derive(SHARED_DATA)

    scale_5m = derived.pop("VOLUME_SCALE_5M")
    assert dict(NoiseConfig().volume_scale_by_window_s)[300] == scale_5m
    assert derived.pop("VOL_PREMIUM") == trader_config.VOL_PREMIUM
    assert derived.pop("NOISE_ORDERS_PER_MIN") == trader_config.NOISE_ORDERS_PER_MIN
    recorded = {name: getattr(config, name) for name in derived}
    assert recorded["ORACLE_WEIGHTS"] == derived["ORACLE_WEIGHTS"]
    assert recorded["LEAD_WEIGHTS"] == derived["LEAD_WEIGHTS"]
    assert recorded["REGIME_VOLS"] == derived["REGIME_VOLS"]
    for name in ("ORACLE_NOISE_RATIO", "BINANCE_BASIS_BPS", "CHAINLINK_PUBLISH_LAG_MS", "BINANCE_PUBLISH_LAG_MS",
                 "REGIME_MEAN_DURATION_S", "BURST_SHARE", "BURST_RATIO"):  # fmt: skip
        assert recorded[name] == pytest.approx(derived[name]), name


@needs_shared_data
def test_each_window_length_is_compared_with_the_recorded_books_over_its_own_time_left():
    fifteen, five = real_figures(SHARED_DATA, 900), real_figures(SHARED_DATA, 300)

    # the last five minutes of the 15-minute books move faster than the whole of them...
    assert five["mid_move_p90"] > fifteen["mid_move_p90"]
    # ...and 13 minutes in, a window is decided far more often than 3 minutes in (the 5-minute ladder)
    assert fifteen["thinning_T-120"] < five["thinning_T-120"] - 0.3
    # the stored targets (a fresh clone's comparison) are these figures
    for key in ("spread_median", "one_tick_share", "spread_p90", "bid_sum_median", "bid_sum_p10",
                "mid_move_p90", "mid_move_p99", "thinning_T-120", "thinning_T-10"):  # fmt: skip
        assert TARGETS[f"{key}_5m" if f"{key}_5m" in TARGETS else key] == pytest.approx(five[key], abs=1e-3), key
        assert TARGETS.get(f"{key}_15m", TARGETS[key]) == pytest.approx(fifteen[key], abs=1e-3), key
