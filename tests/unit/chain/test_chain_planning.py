"""Planning merges and redeems from on-chain balances: the idempotence lives here."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from common.chain.planning import Balances, Payouts, plan_merge, plan_redeem

micro = st.integers(min_value=0, max_value=10**12)


@given(requested=micro, up=micro, down=micro, done=micro, pending=micro)
def test_a_merge_plan_never_exceeds_the_full_sets_held_nor_what_the_intent_still_owes(
    requested: int, up: int, down: int, done: int, pending: int
) -> None:
    # Act
    amount = plan_merge(requested, Balances(up, down), done, pending)

    # Assert
    assert 0 <= amount <= min(up, down)
    assert amount <= max(0, requested - done - pending)


@given(requested=micro, up=micro, down=micro)
def test_a_fresh_intent_merges_everything_it_asks_for_that_is_held(requested: int, up: int, down: int) -> None:
    assert plan_merge(requested, Balances(up, down), done_micro=0) == min(requested, up, down)


@given(requested=micro, up=micro, down=micro)
def test_replanning_after_the_merge_landed_plans_nothing(requested: int, up: int, down: int) -> None:
    # Arrange: the first plan ran and its merge is confirmed (balances fell, done rose)
    first = plan_merge(requested, Balances(up, down), done_micro=0)

    # Act
    second = plan_merge(requested, Balances(up - first, down - first), done_micro=first)

    # Assert
    assert second == 0


def test_an_unresolved_condition_is_never_redeemed() -> None:
    assert plan_redeem(Balances(5, 5), Payouts(0, 0, 0)).index_sets == ()


def test_only_losing_tokens_left_are_not_worth_a_transaction() -> None:
    assert plan_redeem(Balances(0, 7_000_000), Payouts(1, 0, 1)).index_sets == ()


def test_a_winning_balance_is_redeemed_with_the_losing_one_cleared_in_the_same_call() -> None:
    # Act
    plan = plan_redeem(Balances(2_000_000, 3_000_000), Payouts(0, 1, 1))

    # Assert
    assert plan.index_sets == (1, 2)
    assert plan.payout_micro == 3_000_000


def test_a_winner_held_alone_lists_only_its_index_set() -> None:
    plan = plan_redeem(Balances(4_000_000, 0), Payouts(1, 0, 1))
    assert (plan.index_sets, plan.payout_micro) == ((1,), 4_000_000)


@given(up=micro, down=micro, num_up=st.integers(0, 10), num_down=st.integers(0, 10))
def test_the_planned_payout_floors_each_position_as_the_contract_does(
    up: int, down: int, num_up: int, num_down: int
) -> None:
    # Arrange
    denominator = num_up + num_down
    payouts = Payouts(num_up, num_down, denominator)

    # Act
    plan = plan_redeem(Balances(up, down), payouts)

    # Assert
    if plan.index_sets:
        assert plan.payout_micro == (up * num_up) // denominator + (down * num_down) // denominator
        assert plan.payout_micro <= up + down
    else:
        assert denominator == 0 or (up * num_up == 0 and down * num_down == 0)
