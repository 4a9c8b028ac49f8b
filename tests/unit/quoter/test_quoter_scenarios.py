from dataclasses import replace

from common.schemas.intent import ChurnTolerance
from tests.unit.quoter.builders import make_inputs, make_signal
from workers.quoter.core import (
    Books,
    BookTop,
    EndgameMode,
    Outcome,
    Positions,
    QuoterConfig,
    QuoterCore,
    RewardHint,
    TradingMode,
)
from workers.quoter.core.churn import needs_replace
from workers.quoter.core.skew import inventory_skew

CORE = QuoterCore()


def prices(intent, outcome):
    return [o.price_micro for o in intent.orders if o.outcome == outcome]


def sizes(intent, outcome):
    return [o.size_micro for o in intent.orders if o.outcome == outcome]


def test_a_flat_book_at_half_gets_five_levels_a_cent_apart_on_both_outcomes_inside_the_cap():
    intent = CORE.decide(make_inputs(signal=make_signal(q_up_ppm=500_000, target_total_micro=960_000)))
    assert prices(intent, "UP") == [480_000, 470_000, 460_000, 450_000, 440_000]
    assert prices(intent, "DOWN") == [480_000, 470_000, 460_000, 450_000, 440_000]
    assert sizes(intent, "UP") == [10_000_000] * 5  # deeper levels no larger than the touch
    assert intent.reason == "quoting" and intent.takers == ()


def test_the_fair_value_shifts_both_ladders_in_opposite_directions():
    books = Books(BookTop(560_000, 640_000), BookTop(360_000, 440_000))
    intent = CORE.decide(make_inputs(signal=make_signal(q_up_ppm=600_000, target_total_micro=960_000), books=books))
    assert prices(intent, "UP")[0] == 580_000
    assert prices(intent, "DOWN")[0] == 380_000


def test_a_bid_that_would_cross_the_other_outcomes_bid_is_held_one_tick_below_it():
    # Down bid 0.55 means a BUY Up at 0.45 would match it: Up must stay at or below 0.44.
    books = Books(BookTop(400_000, 600_000), BookTop(550_000, 600_000))
    intent = CORE.decide(make_inputs(books=books))
    assert prices(intent, "UP")[0] == 440_000


def test_the_long_side_falls_back_shrinks_and_loses_level_zero_first():
    long_up = Positions(up_micro=40_000_000, up_cost_micro=20_000_000)
    intent = CORE.decide(make_inputs(positions=long_up))
    # 0.48 − 0.008 = 0.472 → 0.47 at level 0, which is dropped: the best Up bid is level 1 at 0.46.
    assert prices(intent, "UP") == [460_000, 450_000, 440_000, 430_000]
    assert [o.level for o in intent.orders if o.outcome == "UP"] == [1, 2, 3, 4]
    assert sizes(intent, "UP")[0] == 6_000_000  # 10 × (1 − 40/100)
    assert prices(intent, "DOWN")[0] == 480_000


def test_the_missing_side_rises_by_the_share_of_the_fall_back_the_trader_sets_and_never_above_fair():
    long_up = Positions(up_micro=40_000_000, up_cost_micro=20_000_000)
    raising = QuoterCore(replace(QuoterConfig(), missing_side_raise_ppm=1_000_000, skew_micro_per_share=500))
    intent = raising.decide(make_inputs(positions=long_up))
    # The fall-back is 40 × 0.0005 = 0.02: Up 0.48 → 0.46 (level 0 dropped), Down 0.48 → 0.50.
    assert prices(intent, "DOWN")[0] == 500_000 and prices(intent, "UP")[0] == 450_000
    huge = QuoterCore(replace(QuoterConfig(), missing_side_raise_ppm=1_000_000, skew_micro_per_share=5_000,
                              max_skew_micro=200_000))  # fmt: skip
    capped = huge.decide(make_inputs(positions=long_up, signal=make_signal(q_up_ppm=500_000)))
    assert prices(capped, "DOWN")[0] <= 500_000  # the fair value of Down at q_up = 0.5


def test_scaled_by_uncertainty_the_fall_back_vanishes_as_the_outcome_becomes_sure():
    long_up = Positions(up_micro=40_000_000, up_cost_micro=20_000_000)
    config = replace(QuoterConfig(), skew_by_uncertainty=True, skew_micro_per_share=1_000, max_skew_micro=100_000)
    even = inventory_skew(long_up, config, 500_000)[Outcome.UP].fallback_micro
    sure = inventory_skew(long_up, config, 950_000)[Outcome.UP].fallback_micro
    assert even == 40_000 and sure == 40_000 * 4 * 95 * 5 // 10_000


def test_an_unpaired_holding_is_completed_when_the_locked_profit_beats_fees_and_the_threshold():
    holding = Positions(up_micro=20_000_000, up_cost_micro=8_000_000)  # 20 Up at 0.40
    books = Books(BookTop(480_000, 520_000, 50_000_000, 50_000_000), BookTop(450_000, 500_000, 50_000_000, 50_000_000))
    intent = CORE.decide(make_inputs(positions=holding, books=books))
    (completion,) = intent.takers
    assert (completion.kind, completion.outcome, completion.order_type) == ("completion", "DOWN", "FAK")
    assert completion.price_cap_micro == 500_000 and completion.size_micro == 20_000_000
    assert completion.edge_micro == 1_000_000 - 400_000 - 500_000 - 17_500


def test_no_completion_when_fees_eat_the_profit():
    holding = Positions(up_micro=20_000_000, up_cost_micro=8_000_000)
    # 1 − 0.40 − 0.58 − 0.07·0.58·0.42 = 0.00295: below the 0.005 threshold.
    books = Books(BookTop(400_000, 450_000), BookTop(550_000, 580_000, 50_000_000, 50_000_000))
    assert CORE.decide(make_inputs(positions=holding, books=books)).takers == ()


def test_both_asks_below_a_dollar_after_fees_buy_a_complete_set_and_at_a_dollar_do_not():
    cheap = Books(BookTop(400_000, 450_000, 30_000_000, 30_000_000), BookTop(400_000, 450_000, 30_000_000, 20_000_000))
    intent = CORE.decide(make_inputs(books=cheap))
    assert [(t.kind, t.outcome, t.size_micro) for t in intent.takers] == [
        ("complete_set", "UP", 20_000_000), ("complete_set", "DOWN", 20_000_000)]  # fmt: skip
    fair = Books(BookTop(480_000, 490_000, 30_000_000, 30_000_000), BookTop(480_000, 490_000, 30_000_000, 30_000_000))
    assert CORE.decide(make_inputs(books=fair)).takers == ()


def test_a_reward_hint_raises_level_zero_to_the_reward_minimum_when_limits_allow():
    hint = RewardHint(Outcome.UP, min_size_micro=50_000_000, max_spread_micro=45_000, midpoint_micro=500_000)
    intent = CORE.decide(make_inputs(hints=(hint,)))
    assert sizes(intent, "UP")[0] == 50_000_000
    assert sizes(intent, "DOWN")[0] == 10_000_000


def test_a_reward_hint_beyond_the_position_limit_is_not_followed():
    hint = RewardHint(Outcome.UP, min_size_micro=50_000_000, max_spread_micro=45_000, midpoint_micro=500_000)
    core = QuoterCore(QuoterConfig(max_window_position_micro=40_000_000))
    intent = core.decide(make_inputs(hints=(hint,)))
    assert sizes(intent, "UP")[0] == 10_000_000


def test_a_reward_hint_is_not_followed_in_a_volatile_market():
    hint = RewardHint(Outcome.UP, min_size_micro=50_000_000, max_spread_micro=45_000, midpoint_micro=500_000)
    intent = CORE.decide(make_inputs(signal=make_signal(regime="VOLATILE"), hints=(hint,)))
    assert sizes(intent, "UP")[0] == 10_000_000 * 1  # size factor 1e6 in the builder


def test_level_zero_moves_into_the_reward_band_only_when_the_combined_cap_still_holds():
    hint = RewardHint(Outcome.UP, min_size_micro=5_000_000, max_spread_micro=15_000, midpoint_micro=500_000)
    roomy = CORE.decide(make_inputs(signal=make_signal(target_total_micro=970_000), hints=(hint,)))
    assert prices(roomy, "UP")[0] == 490_000 and prices(roomy, "DOWN")[0] == 480_000
    tight = CORE.decide(make_inputs(signal=make_signal(target_total_micro=960_000), hints=(hint,)))
    assert prices(tight, "UP")[0] == 480_000


def test_endgame_policies_pull_widen_or_keep_a_small_bid_on_the_likely_winner():
    endgame = make_signal(q_up_ppm=900_000, regime="ENDGAME", flags=("endgame",))
    books = Books(BookTop(880_000, 920_000), BookTop(80_000, 120_000))
    pulled = QuoterCore(QuoterConfig(endgame_mode=EndgameMode.PULL)).decide(make_inputs(signal=endgame, books=books))
    assert pulled.orders == () and pulled.reason == "endgame_pull"
    widened = QuoterCore(QuoterConfig(endgame_mode=EndgameMode.WIDEN)).decide(make_inputs(signal=endgame, books=books))
    assert prices(widened, "UP")[0] == 860_000 and sizes(widened, "UP")[0] == 5_000_000
    biased = QuoterCore(QuoterConfig(endgame_mode=EndgameMode.BIAS)).decide(make_inputs(signal=endgame, books=books))
    assert prices(biased, "DOWN") == [] and prices(biased, "UP")[0] == 860_000


def test_reduce_only_bids_only_the_short_side_up_to_the_unpaired_amount():
    long_up = Positions(up_micro=30_000_000, up_cost_micro=15_000_000)
    intent = CORE.decide(make_inputs(positions=long_up, mode=TradingMode.REDUCE_ONLY))
    assert prices(intent, "UP") == []
    assert sum(sizes(intent, "DOWN")) <= 30_000_000 and sizes(intent, "DOWN")


def test_a_full_window_position_stops_bids_on_that_outcome():
    full = Positions(up_micro=500_000_000, down_micro=500_000_000, up_cost_micro=1, down_cost_micro=1)
    intent = CORE.decide(make_inputs(positions=full))
    assert intent.orders == () and intent.reason == "no_room"


def test_the_intent_id_is_a_hash_of_the_inputs():
    inputs = make_inputs()
    assert CORE.decide(inputs).intent_id == CORE.decide(inputs).intent_id
    assert CORE.decide(inputs).intent_id != CORE.decide(replace(inputs, now_ms=inputs.now_ms + 1)).intent_id


def test_the_churn_tolerance_travels_in_the_intent():
    assert CORE.decide(make_inputs()).churn == ChurnTolerance(min_move_ticks=1, min_size_change_ppm=200_000,
                                                              max_replaces_per_s=5)  # fmt: skip


def test_small_moves_and_small_size_changes_keep_the_live_order_but_a_higher_live_bid_is_replaced():
    tol = ChurnTolerance(min_move_ticks=2, min_size_change_ppm=200_000, max_replaces_per_s=5)
    assert not needs_replace(470_000, 10_000_000, 480_000, 11_000_000, tol, 10_000)
    assert needs_replace(460_000, 10_000_000, 480_000, 10_000_000, tol, 10_000)
    assert needs_replace(490_000, 10_000_000, 480_000, 10_000_000, tol, 10_000)
    assert needs_replace(480_000, 10_000_000, 480_000, 15_000_000, tol, 10_000)
    assert needs_replace(480_000, 12_000_000, 480_000, 10_000_000, tol, 10_000)


def test_a_signal_for_another_window_gives_no_quotes():
    other = make_signal().model_copy(update={"slug": "btc-updown-15m-2"})
    assert CORE.decide(make_inputs(signal=other)).orders == ()


def test_a_fast_lead_move_up_steps_the_down_bids_back_and_leaves_the_up_bids():
    calm = CORE.decide(make_inputs())
    jumped = CORE.decide(make_inputs(signal=make_signal().model_copy(update={"fast_move": 1})))
    assert prices(jumped, "DOWN")[0] == prices(calm, "DOWN")[0] - 20_000
    assert prices(jumped, "UP") == prices(calm, "UP")


def test_a_reward_move_respects_the_cap_against_the_other_sides_best_bid_even_when_its_level_zero_is_pulled():
    # Down is long: its level 0 is pulled and its best bid is level 1 at 0.46. Up would chase the
    # reward band up to 0.52, but 0.52 + 0.46 > 0.96, so Up stays at 0.48.
    long_down = Positions(down_micro=40_000_000, down_cost_micro=20_000_000)
    hint = RewardHint(Outcome.UP, min_size_micro=5_000_000, max_spread_micro=5_000, midpoint_micro=520_000)
    wide = Books(BookTop(400_000, 600_000), BookTop(400_000, 600_000))
    signal = make_signal(target_total_micro=960_000)
    intent = CORE.decide(make_inputs(signal=signal, positions=long_down, books=wide, hints=(hint,)))
    assert max(prices(intent, "DOWN")) == 460_000
    assert max(prices(intent, "UP")) == 480_000


def test_the_measured_half_spread_follows_the_time_left_and_replaces_the_target():
    measured = QuoterCore(QuoterConfig(half_spread_source="measured", measured_time_left_s=(60, 900),
                                       measured_half_spread_micro=(40_000, 10_000)))  # fmt: skip
    # 600 s left: 0.50 − 0.01 = 0.49 at level 0 on both outcomes, whatever the target total (0.90: 0.05)
    intent = measured.decide(make_inputs(signal=make_signal(target_total_micro=900_000)))
    assert prices(intent, "UP")[0] == 490_000 and prices(intent, "DOWN")[0] == 490_000
    late = make_inputs(signal=make_signal(target_total_micro=900_000))
    end = late.market.window_end_ms
    late = replace(late, now_ms=end - 50_000, signal=late.signal.model_copy(update={"valid_until_ms": end}))
    assert prices(measured.decide(late), "UP")[0] == 460_000  # 50 s left: 0.04
    assert prices(CORE.decide(make_inputs(signal=make_signal(target_total_micro=900_000))), "UP")[0] == 450_000
