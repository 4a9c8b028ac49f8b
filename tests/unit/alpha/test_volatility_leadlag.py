import math
import random

from workers.alpha.core.leadlag import LeadLag
from workers.alpha.core.volatility import EwmaVolatility


def test_the_ewma_volatility_recovers_the_volatility_of_a_random_walk():
    rng, vol, price = random.Random(1), EwmaVolatility(half_life_s=600.0, floor=1e-6), 60_000.0
    for s in range(6_000):
        price *= math.exp(rng.gauss(0.0, 1e-4))
        vol.update(s, price)
    assert 0.8e-4 < vol.sigma < 1.2e-4


def test_a_quiet_feed_never_drives_the_volatility_below_the_floor():
    vol = EwmaVolatility(half_life_s=60.0, floor=5e-5)
    for s in range(1_000):
        vol.update(s, 60_000.0)
    assert vol.sigma == 5e-5


def test_a_feed_gap_counts_for_its_length_rather_than_as_one_huge_second():
    steady, gapped = EwmaVolatility(300.0, floor=1e-7), EwmaVolatility(300.0, floor=1e-7)
    rng, price = random.Random(2), 60_000.0
    prices = []
    for _s in range(2_000):
        price *= math.exp(rng.gauss(0.0, 1e-4))
        prices.append(price)
    for s, p in enumerate(prices):
        steady.update(s, p)
        if not 1_000 <= s < 1_030:
            gapped.update(s, p)
    assert abs(gapped.sigma / steady.sigma - 1.0) < 0.15


def feed_lead_and_oracle(lag_s, basis, seconds=900, seed=4):
    rng, lead, x = random.Random(seed), LeadLag(max_lag_s=5, half_life_s=300.0), math.log(60_000.0)
    path = []
    for _ in range(seconds):
        x += rng.gauss(0.0, 2e-4)
        path.append(x)
    for s, value in enumerate(path):
        lead.on_lead(s, math.exp(value))
        if s >= lag_s:
            lead.on_oracle(s, math.exp(path[s - lag_s] + basis))
    return lead, path


def test_the_lead_lag_finds_the_lag_and_the_basis_between_the_lead_and_the_oracle():
    lead, _ = feed_lead_and_oracle(lag_s=2, basis=-0.0005)
    state = lead.state(sigma=2e-4, threshold_sigmas=3.0, min_gap=0.0002)
    assert state.lag_s == 2
    assert abs(state.basis - (-0.0005)) < 0.0006  # the lag itself adds a few sigma of noise to the level


def test_a_lead_jump_the_oracle_has_not_shown_yet_is_flagged_as_a_fast_move():
    lead, path = feed_lead_and_oracle(lag_s=1, basis=0.0)
    calm = lead.state(sigma=2e-4, threshold_sigmas=3.0, min_gap=0.0002)
    lead.on_lead(len(path), math.exp(path[-1] + 0.004))
    jumped = lead.state(sigma=2e-4, threshold_sigmas=3.0, min_gap=0.0002)
    lead.on_lead(len(path) + 1, math.exp(path[-1] - 0.004))
    fell = lead.state(sigma=2e-4, threshold_sigmas=3.0, min_gap=0.0002)
    assert calm.fast_move == 0 and jumped.fast_move == 1 and fell.fast_move == -1
    assert jumped.implied_oracle > math.exp(path[-1])
