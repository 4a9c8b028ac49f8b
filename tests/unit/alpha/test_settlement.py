import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from workers.alpha.core.history import PriceHistory
from workers.alpha.core.settlement import prob_up, settlement_distribution, student_t_cdf
from workers.alpha.core.types import SettlementRule, WindowSpec

START, END = 10_000, 10_300


def walk(seed: int, first_s: int, last_s: int, price: float = 60_000.0) -> dict[int, float]:
    rng = random.Random(seed)
    path = {}
    for s in range(first_s, last_s + 1):
        price *= math.exp(rng.gauss(0.0, 1e-4))
        path[s] = price
    return path


def history_of(path: dict[int, float]) -> PriceHistory:
    history = PriceHistory()
    for s, p in sorted(path.items()):
        history.add(s, p)
    return history


def brute_force(window, path, now_s, spot, sigma):
    """Mean and sd of settlement − strike by explicit per-second weights."""
    n = window.samples
    end_set = range(window.end_s - n + 1, window.end_s + 1)
    start_set = range(window.start_s - n + 1, window.start_s + 1)

    def expected(seconds):
        return sum(path[s] if s <= now_s else spot for s in seconds) / n

    strike_fixed = window.strike is not None or now_s >= window.start_s
    strike = window.strike if window.strike is not None else expected(start_set)
    mean = expected(end_set) - strike
    total = 0.0
    for k in range(now_s + 1, window.end_s + 1):
        c = sum(1 for j in end_set if j >= k) / n
        if not strike_fixed:
            c -= sum(1 for j in start_set if j >= k) / n
        total += c * c
    return mean, sigma * spot * math.sqrt(total)


@settings(max_examples=150)
@given(
    st.sampled_from([SettlementRule.SPOT, SettlementRule.TWAP]),
    st.integers(START - 150, END + 2),
    st.booleans(),
    st.integers(0, 10_000),
)
def test_the_closed_form_matches_per_second_weights_for_every_rule_and_moment(rule, now_s, strike_known, seed):
    path = walk(seed, START - 200, max(now_s, START - 200))
    spot = path[now_s] if now_s in path else path[max(path)]
    window = WindowSpec("s", "w", START, END, rule, strike=60_000.0 if strike_known else None)
    dist = settlement_distribution(window, history_of(path), now_s, spot, 1e-4)
    assert dist is not None
    mean, sd = brute_force(window, path, now_s, spot, 1e-4)
    assert math.isclose(dist.mean, mean, rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(dist.sd, sd, rel_tol=1e-9, abs_tol=1e-9)


def test_inside_the_last_minute_the_twap_is_partly_realised_and_monte_carlo_agrees():
    path = walk(7, START - 100, END - 30)
    strike = path[END - 45]  # a strike near the running average, so the answer is not trivial
    window = WindowSpec("s", "w", START, END, SettlementRule.TWAP, strike=strike)
    spot = path[END - 30]
    q = prob_up(settlement_distribution(window, history_of(path), END - 30, spot, 1e-4))
    rng, ups, trials = random.Random(11), 0, 4_000
    realised = sum(path[s] for s in range(END - 59, END - 29))
    for _ in range(trials):
        price, future = spot, 0.0
        for _ in range(30):
            price += spot * rng.gauss(0.0, 1e-4)
            future += price
        ups += (realised + future) / 60 >= strike
    assert abs(q - ups / trials) < 0.03
    # A last-second print moves a TWAP 1/60th as much: the sd is far below the spot rule's.
    spot_rule = settlement_distribution(
        WindowSpec("s", "w", START, END, SettlementRule.SPOT, strike=strike),
        history_of(path),
        END - 30,
        spot,
        1e-4,
    )
    twap = settlement_distribution(window, history_of(path), END - 30, spot, 1e-4)
    assert twap.sd < spot_rule.sd / 2


def test_a_settlement_exactly_at_the_strike_goes_to_up():
    path = {s: 60_000.0 for s in range(START - 5, END + 1)}
    window = WindowSpec("s", "w", START, END, SettlementRule.SPOT, strike=60_000.0)
    dist = settlement_distribution(window, history_of(path), END, 60_000.0, 1e-4)
    assert dist.sd == 0 and prob_up(dist) == 1.0


def test_before_the_start_an_unknown_strike_gives_a_coin_flip_with_the_strikes_own_uncertainty():
    path = walk(3, START - 400, START - 100)
    window = WindowSpec("s", "w", START, END, SettlementRule.TWAP)
    dist = settlement_distribution(window, history_of(path), START - 100, path[START - 100], 1e-4)
    assert abs(prob_up(dist) - 0.5) < 1e-12
    # Only the increments between the two averages count: less than the full 400 s.
    assert dist.sd < 1e-4 * path[START - 100] * math.sqrt(400)


def test_a_spot_far_above_the_strike_is_almost_surely_up_and_far_below_almost_surely_down():
    path = walk(5, START - 10, END - 20)
    spot = path[END - 20]
    high = WindowSpec("s", "w", START, END, SettlementRule.SPOT, strike=spot * 0.99)
    low = WindowSpec("s", "w", START, END, SettlementRule.SPOT, strike=spot * 1.01)
    h = history_of(path)
    assert prob_up(settlement_distribution(high, h, END - 20, spot, 1e-4)) > 0.999
    assert prob_up(settlement_distribution(low, h, END - 20, spot, 1e-4)) < 0.001


def test_student_t_tails_are_less_sure_than_the_normal_far_out_and_agree_at_the_centre():
    assert student_t_cdf(0.0, 5) == 0.5
    assert math.isclose(student_t_cdf(2.015, 5), 0.95, abs_tol=1e-4)
    dist_far = settlement_distribution(
        WindowSpec("s", "w", START, END, SettlementRule.SPOT, strike=59_000.0),
        history_of({END - 10: 60_000.0}),
        END - 10,
        60_000.0,
        1e-4,
    )
    assert prob_up(dist_far, tail_dof=5) < prob_up(dist_far)


def published_twap(path: dict[int, float], first_s: int, last_s: int, n: int = 60) -> PriceHistory:
    """The venue's TWAP prints: the oracle's own average over the n seconds up to each second."""
    history = PriceHistory()
    for t in range(first_s, last_s + 1):
        history.add(t, sum(path[s] for s in range(t - n + 1, t + 1)) / n)
    return history


@given(st.integers(END - 250, END - 1), st.integers(0, 50), st.floats(-80.0, 80.0))
@settings(max_examples=60, deadline=None)
def test_with_the_published_twap_a_spot_source_off_by_a_basis_prices_as_the_oracle_itself(now_s, seed, basis):
    """Our spot (Pyth on PolyBolt) sits a basis away from the oracle (Chainlink) the market settles
    on. Averaging our own spot puts that basis into the settlement's expected value; with the
    venue's TWAP prints it cancels, and q is the one the oracle's own history gives."""
    oracle = walk(seed, START - 200, now_s)
    ours = {s: p + basis for s, p in oracle.items()}
    window = WindowSpec("s", "w", START, END, SettlementRule.TWAP, strike=oracle[START])
    prints = published_twap(oracle, START - 100, now_s)

    truth = settlement_distribution(window, history_of(oracle), now_s, oracle[now_s], 1e-4)
    naive = settlement_distribution(window, history_of(ours), now_s, ours[now_s], 1e-4)
    fixed = settlement_distribution(window, history_of(ours), now_s, ours[now_s], 1e-4, published=prints)

    assert truth is not None and naive is not None and fixed is not None
    assert abs(fixed.mean - truth.mean) < 1e-6 * oracle[now_s]
    assert abs(naive.mean - truth.mean - basis) < 1e-6 * oracle[now_s]  # what it fixes
    assert fixed.sd == naive.sd


def test_the_strike_of_a_twap_window_is_the_venues_print_at_its_start_when_the_record_has_none():
    oracle = walk(3, START - 200, START + 100)
    ours = {s: p + 40.0 for s, p in oracle.items()}
    window = WindowSpec("s", "w", START, END, SettlementRule.TWAP)
    prints = published_twap(oracle, START - 100, START + 100)

    now = START + 100
    with_prints = settlement_distribution(window, history_of(ours), now, ours[now], 1e-4, published=prints)
    assert with_prints is not None and with_prints.strike == prints.at(START)


def test_a_stale_print_is_not_used():
    oracle = walk(5, START - 200, END - 30)
    ours = {s: p + 40.0 for s, p in oracle.items()}
    window = WindowSpec("s", "w", START, END, SettlementRule.TWAP, strike=oracle[START])
    prints = published_twap(oracle, START - 100, END - 40)  # the feed stopped 10 s ago

    stale = settlement_distribution(window, history_of(ours), END - 30, ours[END - 30], 1e-4,
                                    published=prints, published_stale_s=5)
    naive = settlement_distribution(window, history_of(ours), END - 30, ours[END - 30], 1e-4)
    assert stale == naive
