"""The merger's plan: when to merge and how much, when to redeem, and its crash journal."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from common.schemas.positions import MarketPosition, OutcomePosition
from workers.merger.core import MergerConfig, MergerCore, redeem_action
from workers.merger.journal import Journal

MARKET = "0x" + "ab" * 32
CFG = MergerConfig(min_merge_micro=5_000_000, max_merge_micro=50_000_000, merge_interval_ms=2_000,
                   redeem_retry_ms=5_000, redeem_give_up_ms=60_000)


def position(up: int, down: int, at_ms: int, winner: str | None = None) -> MarketPosition:
    def outcome(name: str, shares: int) -> OutcomePosition:
        return OutcomePosition(token_id=name, outcome=name, matched_shares_micro=0, mined_shares_micro=0,
                               confirmed_shares_micro=shares, shares_micro=shares, cost_micro=0, avg_cost_micro=0,
                               mark_micro=None, unrealized_pnl_micro=0)

    return MarketPosition(market=MARKET, slug="btc-updown-5m-1", outcomes=(outcome("Up", up), outcome("Down", down)),
                          mergeable_full_sets_micro=min(up, down), realized_pnl_micro=0, unrealized_pnl_micro=0,
                          taker_fees_paid_micro=0, maker_fee_equivalent_micro=0, rebate_estimate_micro=0,
                          resolved_winner=winner, at_ms=at_ms)


def test_full_sets_below_the_minimum_are_not_merged_and_above_it_are_merged_in_capped_batches() -> None:
    core = MergerCore(CFG)

    assert core.next_actions({MARKET: position(4_000_000, 9_000_000, 1)}, now_ms=10) == []
    [action] = core.next_actions({MARKET: position(80_000_000, 70_000_000, 1)}, now_ms=10)

    assert (action.kind, action.amount_micro) == ("merge", 50_000_000)


def test_no_second_merge_before_the_ledger_books_the_first_nor_within_the_interval() -> None:
    core = MergerCore(CFG)
    core.merged(MARKET, now_ms=1_000)

    stale = core.next_actions({MARKET: position(20_000_000, 20_000_000, at_ms=900)}, now_ms=5_000)
    too_soon = core.next_actions({MARKET: position(20_000_000, 20_000_000, at_ms=1_500)}, now_ms=2_500)
    later = core.next_actions({MARKET: position(20_000_000, 20_000_000, at_ms=1_500)}, now_ms=3_000)

    assert stale == [] and too_soon == []
    assert [a.amount_micro for a in later] == [20_000_000]


def test_a_resolved_window_is_redeemed_not_merged_and_retried_until_the_chain_holds_nothing() -> None:
    core = MergerCore(CFG)
    held = {MARKET: position(10_000_000, 10_000_000, at_ms=1, winner="Up")}

    [first] = core.next_actions(held, now_ms=100)
    core.redeemed(MARKET, now_ms=100, tokens_left=True)
    retry_too_soon = core.next_actions(held, now_ms=3_000)
    [second] = core.next_actions(held, now_ms=5_200)
    core.redeemed(MARKET, now_ms=5_200, tokens_left=False)

    assert first.kind == second.kind == "redeem"
    assert retry_too_soon == []
    assert core.next_actions(held, now_ms=20_000) == []


def test_a_window_still_holding_tokens_long_after_resolution_is_given_up() -> None:
    core = MergerCore(CFG)
    core.on_resolved(MARKET, "slug", at_ms=0)

    assert core.next_actions({MARKET: position(1, 0, at_ms=1)}, now_ms=60_001) == []


def test_the_redeem_op_id_names_the_running_total_so_a_late_second_redeem_is_a_new_action() -> None:
    first = redeem_action(MARKET, "s", 10_000_000, 10_000_000, (10_000_000, 5_000_000), "0x1", 1)
    second = redeem_action(MARKET, "s", 13_000_000, 3_000_000, (3_000_000, 0), "0x2", 2)

    assert first.op_id != second.op_id
    assert (second.collateral_micro, second.burned_up_micro) == (3_000_000, 3_000_000)


@given(st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=5))
def test_merge_intent_ids_are_never_reused_across_reloads(amounts: list[int]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        seen = set()
        for amount in amounts:
            journal = Journal.load(Path(tmp))
            intent_id = journal.open_merge(MARKET, "s", amount)
            assert intent_id not in seen
            seen.add(intent_id)


def test_an_open_merge_survives_a_restart_until_it_is_closed(tmp_path: Path) -> None:
    journal = Journal.load(tmp_path)
    intent_id = journal.open_merge(MARKET, "slug", 7_000_000)

    reloaded = Journal.load(tmp_path)
    assert reloaded.open_merges == {intent_id: (MARKET, "slug", 7_000_000)}
    reloaded.close_merge(intent_id)
    reloaded.published_redeem(MARKET, 3)

    final = Journal.load(tmp_path)
    assert final.open_merges == {} and final.redeemed_published == {MARKET: 3}
