"""Orders below the minimum size or outside the band never count."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.rewards.builders import BTC_15M, buy, c, sh
from tests.unit.rewards.strategies import books, our_buys, with_ours
from workers.rewards.core import RewardConfig, UnifiedBook, adjusted_midpoint, score_market, score_order

BOOK = UnifiedBook(bids=((c(48), sh(100)),), asks=((c(52), sh(100)),))  # adjusted mid 50¢


def test_an_order_one_share_below_the_minimum_size_scores_nothing_even_at_the_midpoint():
    result = score_order(buy("a", "UP", 50, 49), Fraction(c(50)), BTC_15M)
    assert result.weighted == 0
    assert result.reason == "below_min_size"


def test_an_order_exactly_at_the_band_edge_scores_nothing_and_one_micro_inside_scores():
    edge = score_order(buy("a", "UP", 45.5, 50), Fraction(c(50)), BTC_15M)
    inside = score_order(buy("b", "UP", 45.5, 50), Fraction(c(50)) - 1, BTC_15M)
    assert (edge.weighted, edge.reason) == (0, "outside_band")
    assert inside.weighted > 0


def test_a_down_bid_outside_the_band_never_counts_on_either_side():
    # Down 44¢ rests as an Up ask at 56¢: 6¢ from the 50¢ midpoint, outside 4.5¢
    result = score_market(BOOK, [buy("d", "DOWN", 44, 100)], BTC_15M)
    assert (result.q_one, result.q_two, result.q_min) == (0, 0, 0)


def test_a_market_without_rewards_scores_nothing():
    off = RewardConfig(max_spread_micro=0, min_size_micro=0)
    result = score_market(BOOK, [buy("a", "UP", 49, 100)], off)
    assert result.orders[0].reason == "rewards_off"
    assert result.q_min == 0


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_orders_below_the_minimum_or_outside_the_band_add_nothing_to_either_side(data):
    # Arrange: any uncrossed book with our orders in it
    others = data.draw(books())
    ours = data.draw(our_buys(others))
    book = with_ours(others, ours)

    # Act
    result = score_market(book, ours, BTC_15M)
    counting = [o for o, s in zip(ours, result.orders, strict=True) if s.scoring]
    only_counting = score_market(book, counting, BTC_15M)

    # Assert: every scoring order is big enough and strictly inside the band; dropping the rest changes nothing
    mid = adjusted_midpoint(book, BTC_15M.min_size_micro)
    for order, score in zip(ours, result.orders, strict=True):
        _, price = order.up_frame
        if order.size_micro < BTC_15M.min_size_micro or mid is None or abs(mid - price) >= BTC_15M.max_spread_micro:
            assert score.weighted == 0
        else:
            assert score.weighted > 0
    assert (only_counting.q_one, only_counting.q_two) == (result.q_one, result.q_two)
    assert 0 <= result.share <= 1
