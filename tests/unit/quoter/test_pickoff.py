"""The pick-off half-spread (``strategy.quoter.pickoff_horizon_ms``): one standard deviation of the
fair value's move over the horizon, beyond the alpha target's floor near the end at even odds."""

import math

from tests.unit.quoter.builders import make_inputs, make_signal
from workers.quoter.core import QuoterConfig, QuoterCore
from workers.quoter.core.pickoff import pickoff_half_spread_micro

SPOT_MICRO = 100_000 * 1_000_000  # BTC at $100,000
VOL_PPB = 60_000  # 6e-5 per √s


def late(signal, seconds_left: int, q_up_ppm: int = 500_000):
    """The signal with ``seconds_left`` to go: the settlement's sd shrinks with √(time left)."""
    sd = round(VOL_PPB / 1e9 * SPOT_MICRO * math.sqrt(seconds_left))
    return signal.model_copy(update={"oracle_price_micro": SPOT_MICRO, "settlement_sd_micro": sd,
                                     "q_up_ppm": q_up_ppm, "vol_ppb": VOL_PPB, "vol_fast_ppb": VOL_PPB})  # fmt: skip


def test_one_sd_of_the_fair_values_move_by_hand():
    # φ(0) · √(4.5 s / 900 s) = 0.398942 · 0.0707107 = 0.028209: the same at any spot or volatility
    assert pickoff_half_spread_micro(late(make_signal(), 900), 4_500) == 28_210
    # 60 s left: φ(0) · √(4.5 / 60) = 0.109255
    assert pickoff_half_spread_micro(late(make_signal(), 60), 4_500) == 109_255


def test_it_grows_as_the_window_ends_and_is_largest_at_even_odds():
    by_left = [pickoff_half_spread_micro(late(make_signal(), s), 4_000) for s in (900, 450, 180, 60, 10)]
    assert by_left == sorted(by_left) and by_left[0] < 30_000 < by_left[-1]
    by_q = [pickoff_half_spread_micro(late(make_signal(), 120, q), 4_000) for q in (500_000, 800_000, 950_000)]
    assert by_q == sorted(by_q, reverse=True) and by_q[2] < by_q[0] / 3  # φ(Φ⁻¹(0.95)) = 0.103 against φ(0) = 0.399


def test_off_or_without_the_oracle_it_is_nothing():
    assert pickoff_half_spread_micro(late(make_signal(), 60), 0) == 0
    assert pickoff_half_spread_micro(make_signal(), 4_000) == 0  # no oracle price, as while it is stale
    assert pickoff_half_spread_micro(late(make_signal(), 60).model_copy(update={"settlement_sd_micro": 0}), 4_000) == 0
    assert pickoff_half_spread_micro(late(make_signal(), 1, q_up_ppm=500_000), 10**9) == 500_000  # capped


def top_bid(config: QuoterConfig, signal) -> int:
    intent = QuoterCore(config).decide(make_inputs(signal=signal))
    return max(o.price_micro for o in intent.orders if o.outcome == "UP")


def test_late_at_even_odds_the_ladder_steps_back_beyond_the_targets_floor():
    on, off = QuoterConfig(pickoff_horizon_ms=4_500), QuoterConfig(pickoff_horizon_ms=0)
    floor = make_signal(target_total_micro=900_000)  # the alpha's floor: half-spread 0.05
    early, end = late(floor, 900), late(floor, 60)
    assert top_bid(on, early) == top_bid(off, early) == 450_000  # 0.028 < 0.05: the target's
    assert top_bid(off, end) == 450_000
    assert top_bid(on, end) == 390_000  # 0.50 − 0.109256, on the grid
    intent = QuoterCore(on).decide(make_inputs(signal=end))
    assert {o.price_micro for o in intent.orders if o.outcome == "DOWN"} == {390_000, 380_000, 370_000, 360_000,
                                                                             350_000}  # fmt: skip


def test_on_by_default_and_off_for_quoter_v1():
    from backtest.strategies import QUOTER_V1

    assert QuoterConfig().pickoff_horizon_ms == 4_000 and QUOTER_V1.pickoff_horizon_ms == 0
