"""The quoter core when it must add no risk: FLATTENING closes the position, and positions nobody
vouches for (a stale or stopped ledger) buy nothing."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.quoter.builders import make_inputs
from workers.quoter.core import Books, BookTop, Positions, QuoterCore, TradingMode

CORE = QuoterCore()
#: 20 Up held unpaired (bought at 0.45), 5 Down: 15 unpaired Up and 5 full sets for the merger.
LONG_UP = Positions(up_micro=20_000_000, down_micro=5_000_000, up_cost_micro=9_000_000, down_cost_micro=2_500_000)


def books(down_ask: int) -> Books:
    return Books(up=BookTop(480_000, 520_000, 100_000_000, 100_000_000),
                 down=BookTop(down_ask - 40_000, down_ask, 100_000_000, 100_000_000))  # fmt: skip


def test_flattening_sells_the_unpaired_shares_one_tick_above_the_bid_when_completing_pays_less() -> None:
    intent = CORE.decide(make_inputs(positions=LONG_UP, books=books(down_ask=600_000), mode=TradingMode.FLATTENING))

    assert intent.takers == () and intent.reason == "flatten_selling" and intent.mode == "REDUCE_ONLY"
    [sell] = intent.orders
    assert (sell.side, sell.outcome, sell.price_micro, sell.size_micro) == ("SELL", "UP", 490_000, 15_000_000)


def test_flattening_completes_the_unpaired_shares_when_a_full_set_merged_pays_more_than_selling() -> None:
    # Down at 0.30: a completed share is worth 1 - 0.30 - fee ≈ 0.69, more than the 0.49 a sell gets.
    intent = CORE.decide(make_inputs(positions=LONG_UP, books=books(down_ask=300_000), mode=TradingMode.FLATTENING))

    assert intent.orders == () and intent.reason == "flatten_completing"
    [buy] = intent.takers
    assert (buy.kind, buy.side, buy.outcome, buy.size_micro, buy.price_cap_micro) == (
        "completion", "BUY", "DOWN", 15_000_000, 300_000)  # fmt: skip


def test_flattening_leaves_full_sets_to_the_merger_and_wants_no_order() -> None:
    paired = Positions(up_micro=10_000_000, down_micro=10_000_000, up_cost_micro=5_000_000, down_cost_micro=5_000_000)

    intent = CORE.decide(make_inputs(positions=paired, books=books(300_000), mode=TradingMode.FLATTENING))

    assert intent.orders == () and intent.takers == () and intent.reason == "flatten_merging"


def test_flattening_with_nothing_held_is_flat() -> None:
    intent = CORE.decide(make_inputs(mode=TradingMode.FLATTENING))

    assert intent.orders == () and intent.takers == () and intent.reason == "flat"


def test_flattening_on_positions_nobody_vouches_for_sells_but_never_buys() -> None:
    stale = make_inputs(positions=LONG_UP, books=books(300_000), mode=TradingMode.FLATTENING)

    intent = CORE.decide(replace(stale, positions_stale="ledger_down"))

    assert intent.takers == () and [o.side for o in intent.orders] == ["SELL"]


def test_an_active_quoter_on_a_stopped_ledger_buys_nothing_and_says_why() -> None:
    quoting = CORE.decide(make_inputs(positions=LONG_UP))
    assert quoting.orders  # the same inputs with a live ledger quote

    intent = CORE.decide(replace(make_inputs(positions=LONG_UP), positions_stale="ledger_down"))

    assert intent.orders == () and intent.takers == ()
    assert intent.reason == "ledger_down" and intent.mode == "REDUCE_ONLY"
