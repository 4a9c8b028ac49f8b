import math
import random
from dataclasses import replace

from tests.unit.alpha.builders import END_S, START_S, WINDOW, fed_core
from tests.unit.quoter.builders import make_inputs, make_market
from workers.alpha.core import AlphaConfig, SettlementRule, WindowSpec
from workers.alpha.core.target import target_total_micro
from workers.quoter.core import QuoterCore


def test_a_healthy_feed_gives_a_normal_regime_and_a_fair_value_on_the_side_of_the_spot():
    core, price = fed_core()
    signal = core.evaluate((START_S + 600) * 1000 + 500, WINDOW)
    assert signal.regime == "NORMAL" and signal.size_factor_ppm == 1_000_000
    assert (signal.q_up_ppm > 500_000) == (price > 60_000.0)
    assert 900_000 <= signal.target_total_micro <= 990_000


def test_a_silent_oracle_is_stale_and_the_quoter_then_wants_no_quotes():
    core, _ = fed_core()
    signal = core.evaluate((START_S + 610) * 1000, WINDOW)
    assert signal.regime == "STALE_ORACLE" and signal.size_factor_ppm == 0
    intent = QuoterCore().decide(make_inputs(signal=signal.model_copy(update={"slug": "btc-updown-15m-1"})))
    assert intent.orders == ()


def test_a_silent_lead_with_a_healthy_oracle_halves_sizes_without_halting():
    core, _ = fed_core(lead=False)
    signal = core.evaluate((START_S + 600) * 1000 + 500, WINDOW)
    assert signal.regime == "STALE_LEAD" and signal.size_factor_ppm == 500_000


def test_a_lead_far_from_the_oracle_stops_the_quoting_until_they_agree_without_a_halt():
    core, price = fed_core()
    now_ms = (START_S + 600) * 1000 + 500
    core.on_lead(now_ms, price * 1.01, now_ms)
    signal = core.evaluate(now_ms, WINDOW)
    assert "disagreement" in signal.flags and signal.size_factor_ppm == 0
    assert signal.regime not in ("HALTED", "STALE_ORACLE")
    core.reconfigure(replace(core.config, disagreement_size_ppm=500_000))
    assert core.evaluate(now_ms, WINDOW).size_factor_ppm == 500_000  # a trader may quote smaller instead


def test_control_halt_and_the_last_seconds_set_their_regimes():
    core, _ = fed_core(last_s=END_S - 10)
    now_ms = (END_S - 10) * 1000 + 500
    assert core.evaluate(now_ms, WINDOW, halted=True).regime == "HALTED"
    assert core.evaluate(now_ms, WINDOW).regime == "ENDGAME"


def test_a_burst_after_a_calm_spell_makes_the_market_volatile_and_widens_the_target():
    core, price = fed_core(sigma=6e-5)
    calm = core.evaluate((START_S + 600) * 1000 + 500, WINDOW)
    rng = random.Random(3)
    for s in range(START_S + 601, START_S + 661):
        price *= math.exp(rng.gauss(0.0, 6e-4))
        core.on_oracle(s * 1000, price, s * 1000 + 300)
        core.on_lead(s * 1000, price, s * 1000 + 50)
    burst = core.evaluate((START_S + 660) * 1000 + 500, WINDOW)
    assert burst.regime == "VOLATILE" and burst.vol_fast_ppb > calm.vol_fast_ppb
    assert burst.target_total_micro < calm.target_total_micro


def test_fills_that_lose_value_afterwards_raise_toxicity_and_widen_the_target():
    config = AlphaConfig(max_target_total_micro=999_000, min_target_total_micro=500_000)
    clean, _ = fed_core(config=config)
    toxic, _ = fed_core(config=config)
    now_ms = (START_S + 600) * 1000 + 500
    toxic.on_own_fill("t1", now_ms - 40_000, outcome_up=True, price_micro=990_000)
    toxic.on_own_fill("t1", now_ms - 40_000, outcome_up=True, price_micro=990_000)  # a duplicate delivery
    signal = toxic.evaluate(now_ms, WINDOW)
    assert signal.markout_30s_micro < 0 and signal.toxicity_micro > 0
    assert signal.target_total_micro < clean.evaluate(now_ms, WINDOW).target_total_micro


def test_one_sided_taker_flow_shows_as_imbalance_and_toxicity():
    core, _ = fed_core()
    now_ms = (START_S + 600) * 1000 + 500
    for i in range(5):
        core.on_taker_trade(now_ms - 5_000 + i * 1000, up_direction=True, size_micro=50_000_000)
    signal = core.evaluate(now_ms, WINDOW)
    assert signal.flow_imbalance_ppm == 1_000_000 and signal.toxicity_micro >= 5_000


def test_the_same_feed_and_clock_always_give_the_same_signal():
    a, _ = fed_core(seed=21)
    b, _ = fed_core(seed=21)
    now_ms = (START_S + 600) * 1000 + 500
    assert a.evaluate(now_ms, WINDOW) == b.evaluate(now_ms, WINDOW)


def test_a_window_without_a_published_strike_before_its_start_has_no_strike_yet_but_a_price():
    core, _ = fed_core(last_s=START_S - 120)
    window = WindowSpec("btc-15m", "btc-updown-15m-1", START_S, END_S, SettlementRule.TWAP)
    signal = core.evaluate((START_S - 120) * 1000 + 500, window)
    assert signal.strike_micro is None and abs(signal.q_up_ppm - 500_000) < 1_000


def test_the_quoter_builds_a_ladder_from_a_live_signal():
    core, _ = fed_core()
    signal = core.evaluate((START_S + 600) * 1000 + 500, WINDOW)
    inputs = make_inputs(signal=signal, market=replace(make_market(), window_end_ms=END_S * 1000))
    intent = QuoterCore().decide(replace(inputs, now_ms=signal.computed_ms))
    assert intent.orders and intent.valid_until_ms <= signal.valid_until_ms


def test_the_target_total_stays_inside_its_bounds_and_widens_with_the_fair_values_move_and_toxicity():
    config = AlphaConfig()
    calm = target_total_micro(0.0, 0, config)
    moving = target_total_micro(0.002, 0, config)
    toxic = target_total_micro(0.0, 3_000, config)
    wild = target_total_micro(0.5, 50_000, config)
    assert calm == 1_000_000 - 2 * config.base_half_spread_micro
    assert moving < calm and toxic < calm
    assert wild == config.min_target_total_micro


def test_without_an_expected_lead_its_absence_cuts_no_size():
    core, _ = fed_core(lead=False)
    now_ms = (START_S + 600) * 1000 + 500
    assert core.evaluate(now_ms, WINDOW).regime == "STALE_LEAD"
    core.reconfigure(replace(core.config, lead_expected=False))
    signal = core.evaluate(now_ms, WINDOW)
    assert signal.regime == "NORMAL" and signal.size_factor_ppm == 1_000_000 and "stale_lead" not in signal.flags
