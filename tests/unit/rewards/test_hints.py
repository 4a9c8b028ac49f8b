"""Hints to the quoter: produced only when following them would make our best order score."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from common.ticks import TickGrid
from tests.unit.rewards.builders import BTC_15M, buy, c, sh
from tests.unit.rewards.strategies import TICK_MICRO, books, our_buys, with_ours
from workers.quoter.core import Outcome, RewardHint
from workers.rewards.core import HintPlan, LiveOrder, UnifiedBook, plan_hint, plan_hints, score_market
from workers.rewards.core.scoring import others_book

GRID = TickGrid(TICK_MICRO)
OTHERS = UnifiedBook(bids=((c(48), sh(100)),), asks=((c(52), sh(100)),))  # adjusted mid 50¢


def follow(order: LiveOrder, hint: RewardHint) -> LiveOrder:
    """What the quoter does with a hint (workers/quoter/core/engine.py ``_follow_rewards``)."""
    band_low = hint.midpoint_micro - hint.max_spread_micro
    price = GRID.ceil(band_low) if order.price_micro < band_low else order.price_micro
    return replace(order, price_micro=price, size_micro=max(order.size_micro, hint.min_size_micro))


def rescore(others: UnifiedBook, order: LiveOrder):
    return score_market(with_ours(others, [order]), [order], BTC_15M).orders[0]


def test_an_order_that_already_scores_gets_no_hint():
    order = buy("a", "UP", 47, 100)
    assert plan_hints(with_ours(OTHERS, [order]), [order], BTC_15M, GRID) == ()


def test_an_order_inside_the_band_but_too_small_is_told_to_grow_to_the_minimum_size():
    # Arrange: our 48¢ × 20 is dust: the adjusted mid is (47 + 52)/2 = 49.5¢ without it
    others = UnifiedBook(bids=((c(47), sh(100)),), asks=((c(52), sh(100)),))
    order = buy("a", "UP", 48, 20)

    # Act
    plan = plan_hint(with_ours(others, [order]), [order], "UP", BTC_15M, GRID)

    # Assert: at 50 shares it joins the midpoint ((48 + 52)/2 = 50¢) and scores at s = 2¢
    assert plan is not None
    assert (plan.reason, plan.target_price_micro, plan.target_size_micro) == ("size", c(48), sh(50))
    # the hint's midpoint is the one the resized order itself makes
    assert plan.hint == RewardHint(Outcome.UP, sh(50), 44_999, c(50))
    assert rescore(others, follow(order, plan.hint)).scoring


def test_an_order_below_the_band_is_moved_to_the_first_grid_price_inside_it():
    # 40¢ is 10¢ from the 50¢ midpoint; the band starts above 45.5¢, so 46¢
    order = buy("a", "UP", 40, 100)
    plan = plan_hint(with_ours(OTHERS, [order]), [order], "UP", BTC_15M, GRID)
    assert plan is not None
    assert (plan.reason, plan.target_price_micro) == ("band", c(46))
    followed = follow(order, plan.hint)
    assert followed.price_micro == c(46)
    assert rescore(OTHERS, followed).scoring


def test_when_the_band_edge_falls_on_the_grid_the_hint_lands_one_tick_inside_where_the_score_is_positive():
    # v = 4¢ and mid 50¢: 46¢ is exactly at s = v (S = 0), so the first scoring price is 47¢
    config = replace(BTC_15M, max_spread_micro=c(4))
    order = buy("a", "UP", 40, 100)
    plan = plan_hint(with_ours(OTHERS, [order]), [order], "UP", config, GRID)
    assert plan is not None
    assert follow(order, plan.hint).price_micro == c(47) == plan.target_price_micro


def test_a_down_bid_is_hinted_in_the_down_frame():
    # Down's midpoint is 100 − 50 = 50¢; a Down bid at 40¢ (an Up-frame ask at 60¢) moves to 46¢
    order = buy("d", "DOWN", 40, 60)
    plan = plan_hint(with_ours(OTHERS, [order]), [order], "DOWN", BTC_15M, GRID)
    assert plan is not None
    assert plan.hint.outcome is Outcome.DOWN
    assert (plan.hint.midpoint_micro, plan.target_price_micro) == (c(50), c(46))
    assert rescore(OTHERS, follow(order, plan.hint)).scoring


def test_no_hint_when_the_move_into_the_band_would_cross_the_book():
    # A 10-share ask at 45¢ is ignored by the midpoint but a post-only bid at 46¢ would take it
    others = UnifiedBook(bids=((c(40), sh(100)),), asks=((c(60), sh(100)), (c(45), sh(10))))
    order = buy("a", "UP", 30, 100)
    assert plan_hint(with_ours(others, [order]), [order], "UP", BTC_15M, GRID) is None


def test_no_hint_for_a_pool_known_to_be_empty_but_hints_when_the_pool_is_unknown():
    order = buy("a", "UP", 40, 100)
    book = with_ours(OTHERS, [order])
    assert plan_hints(book, [order], replace(BTC_15M, pool_daily_micro=0), GRID) == ()
    assert len(plan_hints(book, [order], replace(BTC_15M, pool_daily_micro=None), GRID)) == 1


def test_no_hint_for_an_outcome_where_we_have_no_order():
    order = buy("a", "UP", 40, 100)
    assert plan_hint(with_ours(OTHERS, [order]), [order], "DOWN", BTC_15M, GRID) is None


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_hint_is_produced_only_when_following_it_makes_the_best_order_score(data):
    # Arrange
    others = data.draw(books())
    ours = data.draw(our_buys(others))
    book = with_ours(others, ours)
    scores = {s.order_id: s for s in score_market(book, ours, BTC_15M).orders}

    # Act
    plans: tuple[HintPlan, ...] = plan_hints(book, ours, BTC_15M, GRID)

    # Assert
    for plan in plans:
        best = next(o for o in ours if o.order_id == plan.order_id)
        assert not scores[best.order_id].scoring
        followed = follow(best, plan.hint)
        rest = others_book(book, [best])
        assert rescore(rest, followed).scoring
    for outcome in ("UP", "DOWN"):
        buys = [o for o in ours if o.outcome == outcome]
        if buys and scores[max(buys, key=lambda o: (o.price_micro, o.size_micro)).order_id].scoring:
            assert all(p.hint.outcome.value != outcome for p in plans)
