import math
import random
from dataclasses import replace

import common.config  # noqa: F401  (loads params without the circular import)
from common.strategy.alpha import AlphaConfig
from common.strategy.params import alpha_consistency
from workers.alpha.calibrate_data import PRICE_SCALE, Tick
from workers.alpha.calibrate_fit import fit_jumps, fit_tails, pooled_log_loss
from workers.alpha.calibrate_scores import FairInputs, HorizonScores, tail_error, wilson_interval
from workers.alpha.core.settlement import normal_cdf, prob_up
from workers.alpha.core.tails import prob_up_tails, q_up_with_tails, vol_log_sd
from workers.alpha.core.types import Distribution

SIGMA = 1e-4  # per second


def test_without_uncertainty_or_jumps_the_mixture_is_the_plain_distribution():
    dist = Distribution(mean=-20.0, sd=12.0, strike=None)
    for dof in (0, 5):
        assert prob_up_tails(dist, SIGMA, 60.0, 0.0, 0.0, 0.0, dof) == prob_up(dist, dof)


def test_volatility_uncertainty_fattens_the_tails_and_leaves_the_money_alone():
    far = Distribution(mean=-30.0, sd=10.0, strike=None)  # three sd below the strike
    plain = prob_up_tails(far, SIGMA, 60.0, 0.0, 0.0, 0.0)
    assert prob_up_tails(far, SIGMA, 60.0, vol_log_sd(50.0, 4.0), 0.0, 0.0) > 2 * plain
    at_the_money = Distribution(mean=0.0, sd=10.0, strike=None)
    assert abs(prob_up_tails(at_the_money, SIGMA, 60.0, 0.5, 0.0, 0.0) - 0.5) < 1e-12


def test_the_estimate_is_surer_the_more_returns_it_rests_on():
    assert vol_log_sd(10.0, 1.0) > vol_log_sd(100.0, 1.0) > 0.0
    assert abs(vol_log_sd(50.0, 1.0) - 0.1) < 1e-12  # 1 / sqrt(2 * 50)
    assert vol_log_sd(50.0, 0.0) == 0.0


def test_jumps_fatten_a_short_horizon_and_average_out_over_a_long_one():
    rate, size = 0.05, 1.5 * SIGMA / math.sqrt(0.05)  # jumps carry 0.8 (capped) of the variance
    short = Distribution(mean=-3.0 * 6.0, sd=6.0, strike=None)  # 3 sd away, 4 s left: 0.2 jumps expected
    assert prob_up_tails(short, SIGMA, 4.0, 0.0, rate, size) > 5 * normal_cdf(-3.0)
    long = Distribution(mean=-1.5 * 30.0, sd=30.0, strike=None)  # 1.5 sd away, 300 s: 15 jumps expected
    assert abs(prob_up_tails(long, SIGMA, 300.0, 0.0, rate, size) - normal_cdf(-1.5)) < 0.01


def test_the_core_quotes_the_mixture_clipped_and_validation_refuses_negative_tail_parameters():
    c = replace(AlphaConfig(), tail_dof=0, vol_uncertainty_ratio=50.0)
    dist = Distribution(mean=-1e6, sd=1.0, strike=None)
    assert q_up_with_tails(dist, SIGMA, 30, 80.0, 1.0, c) == c.q_clip
    assert alpha_consistency(replace(AlphaConfig(), jump_log_sd=-1e-4))
    assert not alpha_consistency(replace(AlphaConfig(), jump_rate_per_s=0.05, jump_log_sd=2e-4))


def test_jumps_planted_in_one_second_returns_are_found_at_their_rate_and_size():
    rng = random.Random(3)
    price, ticks, planted = 60_000.0, [], 0
    for s in range(20_000):
        r = rng.gauss(0.0, 2e-5)
        if s > 1_000 and s % 100 == 0:
            r, planted = (3e-4 if rng.random() < 0.5 else -3e-4), planted + 1
        price *= math.exp(r)
        ticks.append(Tick(s, s * 1000 + 200, round(price * PRICE_SCALE)))
    fit = fit_jumps(ticks)
    assert abs(fit.jumps - planted) <= 0.05 * planted
    assert abs(fit.rate_per_s - planted / 19_999) < 1e-3
    assert abs(fit.log_sd - 3e-4) < 3e-5


def test_the_fit_widens_the_tails_when_quoted_long_shots_come_true_too_often():
    rng = random.Random(5)
    scores = HorizonScores()
    for _ in range(400):  # quoted about 0.1% (3 sd), but the truth has twice the sd: about 13%
        dist = Distribution(mean=-30.0, sd=10.0, strike=None)
        scores.inputs.append(FairInputs(dist, SIGMA, 30, 1.0, 30.0))
        scores.outcomes.append(int(rng.gauss(-30.0, 20.0) >= 0.0))
    base = replace(AlphaConfig(), tail_dof=0)
    fitted = fit_tails([scores], fit_jumps([]), base)
    assert fitted.tail_dof or fitted.vol_uncertainty_ratio or fitted.vol_disagreement_ratio
    assert pooled_log_loss([scores], fitted) < pooled_log_loss([scores], base)


def test_the_tails_error_folds_both_tails_onto_the_unlikely_side():
    probs = [0.01, 0.03, 0.5, 0.98, 0.99]
    outcomes = [1, 0, 1, 0, 1]  # the 0.98 came out Down: its unlikely side came true
    n, quoted, true = tail_error(probs, outcomes)
    assert n == 4 and abs(quoted - 0.0175) < 1e-12 and true == 0.5


def test_the_wilson_interval_holds_the_share_and_narrows_with_more_cases():
    lo, hi = wilson_interval(0.05, 100)
    assert lo < 0.05 < hi
    lo2, hi2 = wilson_interval(0.05, 10_000)
    assert lo < lo2 < 0.05 < hi2 < hi
    assert wilson_interval(0.0, 0) == (0.0, 1.0)


def test_the_returns_behind_the_estimate_grow_with_the_updates_up_to_the_ewma_window():
    from workers.alpha.core.volatility import EwmaVolatility

    vol = EwmaVolatility(half_life_s=300.0, return_interval_s=10)
    price = 60_000.0
    for s in range(101):
        vol.update(s, price * (1 + 1e-4 * (s % 3)))
    assert vol.effective_returns == 10.0  # 100 updates of overlapping 10-s returns
    for s in range(101, 5_000):
        vol.update(s, price * (1 + 1e-4 * (s % 3)))
    assert abs(vol.effective_returns - 2 * 300.0 / math.log(2) / 10) < 1e-9


def test_the_core_quotes_a_long_shot_higher_with_the_tail_settings_on_and_as_before_with_them_off():
    from tests.unit.alpha.builders import START_S, WINDOW, fed_core

    now_ms = (START_S + 600) * 1000 + 500
    plain, price = fed_core()
    far = replace(WINDOW, strike=price * 1.002)  # well above the spot: Up is a long shot
    before = plain.evaluate(now_ms, far).q_up_ppm
    dist, sigma, future_s, _ = plain.last_fair
    assert before == round(min(1 - plain.config.q_clip, max(plain.config.q_clip, prob_up(dist, 5))) * 1e6)
    assert future_s == far.end_s - (START_S + 600) and sigma > 0
    for tails in (dict(vol_uncertainty_ratio=4.0), dict(jump_rate_per_s=0.05, jump_log_sd=2e-4),
                  dict(vol_disagreement_ratio=2.0, vol_uncertainty_ratio=1.0)):  # fmt: skip
        core, _ = fed_core(config=replace(AlphaConfig(), **tails))
        assert core.evaluate(now_ms, far).q_up_ppm > before, tails
