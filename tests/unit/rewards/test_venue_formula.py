"""The estimate against hand-computed examples of the venue's formula (reference §7.4).

S = ((v − s)/v)² · b, v = 4.5 cents, b = 1, rewardsMinSize = 50 shares. In the Up frame Q_one sums
the bids (a BUY Up) and Q_two the asks (a BUY Down at q rests there as an ask at 1 − q).
"""

from fractions import Fraction

from tests.unit.rewards.builders import BTC_15M, buy, c, sh
from workers.rewards.core import UnifiedBook, adjusted_midpoint, q_min, score_market


def test_one_sided_maker_inside_the_band_scores_a_third_of_its_side_with_c_3():
    # Arrange: others bid 48¢ × 100 and offer 52¢ × 100; a 10-share dust bid at 49¢ is ignored by the
    # adjusted midpoint (raw mid would be 50.5¢, adjusted is 50¢). We bid Up 47¢ × 100 only.
    book = UnifiedBook(
        bids=((c(48), sh(100)), (c(49), sh(10)), (c(47), sh(100))),
        asks=((c(52), sh(100)),),
    )
    ours = [buy("a", "UP", 47, 100)]

    # Act
    result = score_market(book, ours, BTC_15M)

    # Assert, by hand:
    #   midpoint = (48 + 52) / 2 = 50¢ (the 49¢ level has 10 < 50 shares)
    #   our s = 50 − 47 = 3¢ → S = ((4.5 − 3)/4.5)² = (1/3)² = 1/9; Q_one = 1/9 × 100 = 100/9; Q_two = 0
    #   50¢ is inside [10¢, 90¢]: Q_min = max(min(100/9, 0), max(100/9 / 3, 0)) = 100/27 ≈ 3.704
    #   others: 48¢ bid s = 2 → (2.5/4.5)² = 25/81 × 100 = 2500/81; 52¢ ask the same; dust ignored
    #   others' Q_min = max(min(2500/81, 2500/81), 2500/243) = 2500/81 ≈ 30.864
    #   share = (100/27) / (100/27 + 2500/81) = 300 / 2800 = 3/28 ≈ 10.7%
    assert result.midpoint_micro == c(50)
    assert result.orders[0].spread_score == Fraction(1, 9)
    assert (result.q_one, result.q_two) == (Fraction(100, 9), 0)
    assert result.q_min == Fraction(100, 27)
    assert result.others_q_min == Fraction(2500, 81)
    assert result.share == Fraction(3, 28)


def test_outside_the_band_both_sides_are_required_and_the_smaller_side_counts():
    # Arrange: the market is at 95¢ (others 94¢ × 200 bid, 96¢ × 200 ask). We bid Up 93¢ × 60 and
    # bid Down 3¢ × 90, which rests in the Up book as an ask at 97¢.
    book = UnifiedBook(
        bids=((c(94), sh(200)), (c(93), sh(60))),
        asks=((c(96), sh(200)), (c(97), sh(90))),
    )
    both = [buy("up", "UP", 93, 60), buy("down", "DOWN", 3, 90)]

    # Act
    two_sided = score_market(book, both, BTC_15M)
    one_sided = score_market(book, both[:1], BTC_15M)

    # Assert, by hand:
    #   midpoint = (94 + 96)/2 = 95¢, outside [10¢, 90¢] → Q_min = min(Q_one, Q_two)
    #   Up bid 93¢: s = 2 → 25/81 × 60 = 500/27 = Q_one; Down bid 3¢ = Up ask 97¢: s = 2 → 25/81 × 90 = 250/9 = Q_two
    #   Q_min = min(500/27, 750/27) = 500/27 ≈ 18.52
    #   others: s = 1 on both sides → (3.5/4.5)² = 49/81 × 200 = 9800/81 each; Q_min = 9800/81
    #   share = (1500/81) / (1500/81 + 9800/81) = 15/113
    #   one-sided (no Down bid): Q_min = min(500/27, 0) = 0: nothing, where inside the band it would be a third
    assert two_sided.midpoint_micro == c(95)
    assert (two_sided.q_one, two_sided.q_two) == (Fraction(500, 27), Fraction(250, 9))
    assert two_sided.q_min == Fraction(500, 27)
    assert two_sided.others_q_min == Fraction(9800, 81)
    assert two_sided.share == Fraction(15, 113)
    assert one_sided.q_one == Fraction(500, 27)
    assert one_sided.q_min == 0
    assert one_sided.share == 0


def test_the_band_edges_ten_and_ninety_cents_still_let_one_side_count_a_third():
    for mid in (c(10), c(90)):
        assert q_min(Fraction(9), Fraction(0), Fraction(mid)) == 3
    for mid in (c(10) - 1, c(90) + 1):
        assert q_min(Fraction(9), Fraction(0), Fraction(mid)) == 0


def test_a_balanced_two_sided_maker_inside_the_band_scores_its_smaller_side():
    # min(6, 9) = 6 beats max(6/3, 9/3) = 3
    assert q_min(Fraction(6), Fraction(9), Fraction(c(50))) == 6
    # lopsided: min(1, 9) = 1 loses to 9/3 = 3
    assert q_min(Fraction(1), Fraction(9), Fraction(c(50))) == 3


def test_the_adjusted_midpoint_ignores_levels_below_the_minimum_size_and_may_be_a_half_micro():
    book = UnifiedBook(bids=((c(45), sh(50)), (c(47), sh(49))), asks=((c(52), sh(80)), (c(51), sh(1))))
    assert adjusted_midpoint(book, sh(50)) == Fraction(c(45) + c(52), 2)
    assert adjusted_midpoint(UnifiedBook(bids=((1, sh(50)),), asks=((2, sh(50)),)), sh(50)) == Fraction(3, 2)


def test_without_a_minimum_size_level_on_one_side_there_is_no_midpoint_and_nothing_scores():
    book = UnifiedBook(bids=((c(48), sh(100)),), asks=((c(52), sh(10)),))
    result = score_market(book, [buy("a", "UP", 48, 100)], BTC_15M)
    assert result.midpoint_micro is None
    assert result.orders[0].reason == "no_midpoint"
    assert result.share == 0


def test_the_reward_config_comes_from_discoverys_market_record():
    from common.schemas.market import MarketRecord
    from workers.rewards.core import RewardConfig

    record = MarketRecord.model_construct(rewards_min_size_micro=sh(50), rewards_max_spread_micro=45_000)
    config = RewardConfig.from_market(record, pool_daily_micro=None)
    assert (config.max_spread_micro, config.min_size_micro, config.pool_daily_micro) == (45_000, sh(50), None)
    assert config.enabled
