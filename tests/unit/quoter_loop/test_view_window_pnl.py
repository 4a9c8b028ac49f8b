"""The live quoter's positions for a window carry the ledger's realized PnL of that market less its
taker fees (the ledger's realized PnL leaves fees out), which the window loss limit counts."""

from common.schemas.positions import MarketPosition, OutcomePosition
from workers.quoter.core.types import MarketMeta
from workers.quoter.view import View, positions_of


def _outcome(token: str, shares: int, cost: int) -> OutcomePosition:
    return OutcomePosition(token_id=token, outcome=token, matched_shares_micro=shares, mined_shares_micro=0,
                           confirmed_shares_micro=0, shares_micro=shares, cost_micro=cost, avg_cost_micro=0,
                           mark_micro=None, unrealized_pnl_micro=0)  # fmt: skip


def _market(cid: str, realized: int, fees: int, *outcomes: OutcomePosition) -> MarketPosition:
    return MarketPosition(market=cid, outcomes=outcomes, mergeable_full_sets_micro=0, realized_pnl_micro=realized,
                          unrealized_pnl_micro=0, taker_fees_paid_micro=fees, maker_fee_equivalent_micro=0,
                          rebate_estimate_micro=0, at_ms=1)  # fmt: skip


def test_the_window_realized_pnl_is_the_markets_realized_less_its_fees_and_no_other_markets():
    meta = MarketMeta(series="btc-15m", slug="s", condition_id="0xa", up_token_id="u", down_token_id="d",
                      tick_micro=10_000, window_end_ms=10)  # fmt: skip
    view = View(positions={"0xa": _market("0xa", -3_000_000, 200_000, _outcome("u", 40_000_000, 20_000_000)),
                           "0xb": _market("0xb", 9_000_000, 0, _outcome("x", 5_000_000, 2_000_000))})  # fmt: skip
    positions = positions_of(view, meta)
    assert positions.window_realized_micro == -3_200_000
    assert positions.worst_window_pnl_micro == -3_200_000 - 20_000_000
    assert positions.other_windows_cost_micro == 2_000_000
