"""The window loss limit (``[risk] window_loss_limit_usd``): what a window can lose if every unpaired
share it holds loses at resolution never grows beyond the limit through the quoter's own bids."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.quoter.builders import make_inputs, quoter_inputs
from workers.quoter.core import Positions, QuoterConfig, QuoterCore

MICRO = 1_000_000


def core(limit_usd: int) -> QuoterCore:
    return QuoterCore(QuoterConfig(window_loss_limit_usd=limit_usd))


def bids(intent, outcome):
    orders = [(o.price_micro, o.size_micro) for o in intent.orders if o.outcome == outcome]
    return orders + [(t.price_cap_micro, t.size_micro) for t in intent.takers if t.outcome == outcome]


def worst_after_all_fill(positions: Positions, orders: list[tuple[int, int]], outcome: str) -> int:
    """The window's worst-case PnL if every one of ``orders`` (all of ``outcome``) filled."""
    size = sum(s for _, s in orders)
    cost = sum(-(-p * s // MICRO) for p, s in orders)
    up, down = (size, 0) if outcome == "UP" else (0, size)
    after = replace(positions, up_micro=positions.up_micro + up, down_micro=positions.down_micro + down,
                    up_cost_micro=positions.up_cost_micro + (cost if up else 0),
                    down_cost_micro=positions.down_cost_micro + (cost if down else 0))  # fmt: skip
    return after.worst_window_pnl_micro


def test_a_flat_window_bids_each_outcome_for_no_more_than_the_limit_would_lose():
    intent = core(10).decide(make_inputs())
    for outcome in ("UP", "DOWN"):
        orders = bids(intent, outcome)
        assert orders and sum(p * s // MICRO for p, s in orders) <= 10 * MICRO
    # without the limit the same ladder is five levels of 10 shares at 0.44-0.48 a side ($23)
    assert sum(s for _, s in bids(core(0).decide(make_inputs()), "UP")) == 50 * MICRO


def test_beyond_the_limit_the_long_side_stops_and_only_pairing_bids_remain():
    long_up = Positions(up_micro=40 * MICRO, up_cost_micro=20 * MICRO)  # $20 lost if Down wins
    intent = core(15).decide(make_inputs(positions=long_up))
    assert bids(intent, "UP") == []
    down = bids(intent, "DOWN")
    assert down and sum(s for _, s in down) <= 40 * MICRO  # pairing the 40 unpaired Up, no more
    assert bids(core(0).decide(make_inputs(positions=long_up)), "UP")  # no limit: the long side still bids


def test_a_realized_loss_counts_and_at_the_limit_a_flat_window_wants_nothing():
    lost = Positions(window_realized_micro=-50 * MICRO)
    intent = core(50).decide(make_inputs(positions=lost))
    assert intent.orders == () and intent.reason == "window_loss_limit"
    assert core(50).decide(make_inputs(positions=Positions(window_realized_micro=-40 * MICRO))).orders


def test_paired_shares_pay_a_dollar_so_full_sets_do_not_use_the_room():
    pairs = Positions(up_micro=80 * MICRO, down_micro=80 * MICRO, up_cost_micro=40 * MICRO, down_cost_micro=39 * MICRO)
    assert pairs.worst_window_pnl_micro == MICRO
    assert bids(core(10).decide(make_inputs(positions=pairs)), "UP")


@settings(max_examples=300)
@given(quoter_inputs(), st.integers(1, 200))
def test_if_every_bid_of_one_outcome_filled_the_worst_case_loss_stays_within_the_limit(inputs, limit_usd):
    intent = core(limit_usd).decide(inputs)
    before = inputs.positions.worst_window_pnl_micro
    for outcome in ("UP", "DOWN"):
        after = worst_after_all_fill(inputs.positions, bids(intent, outcome), outcome)
        # never below the limit, or (already beyond it) never worse than before
        assert after >= min(before, -limit_usd * MICRO)
