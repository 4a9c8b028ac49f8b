"""The exchange's record of a chain-backed account equals the chain's, to the micro-unit, through
fills (maker and taker, mint matches, fees), a FAILED trade, a merge and a redeem sent by the wallet."""

from __future__ import annotations

import pytest

from sim.chain.local_chain import LocalChain
from sim.exchange.orders import BUY, SELL
from tests.integration.sim_settlement.harness import COUNTERPARTY, WALLET_PUSD_MICRO, new_venue

pytestmark = pytest.mark.integration


def test_a_new_wallet_account_is_funded_on_chain_with_what_the_faucet_credited(local_chain: LocalChain) -> None:
    venue = new_venue(local_chain)

    assert venue.chain_view() == (WALLET_PUSD_MICRO, 0, 0)
    assert venue.exchange_view() == venue.chain_view()
    assert local_chain.eth_balance(venue.wallet) > 0
    assert COUNTERPARTY not in venue.bridge.wallets


def test_fills_a_failed_trade_a_merge_and_a_redeem_leave_both_records_equal(local_chain: LocalChain) -> None:
    venue = new_venue(local_chain)
    venue.approve_operator()
    # Maker fills by mint matches: our BUY Up 100 @ 0.45 meets a BUY Down @ 0.55, our BUY Down 60 @ 0.50
    # meets a BUY Up @ 0.50; then we take 30 Up @ 0.52 from a resting SELL (we pay the taker fee).
    venue.order(venue.account_id, venue.up, BUY, 450_000, 100_000_000)
    venue.order(COUNTERPARTY, venue.down, BUY, 550_000, 100_000_000)
    venue.order(venue.account_id, venue.down, BUY, 500_000, 60_000_000)
    venue.order(COUNTERPARTY, venue.up, BUY, 500_000, 60_000_000)
    venue.order(COUNTERPARTY, venue.up, SELL, 520_000, 30_000_000)
    taken = venue.order(venue.account_id, venue.up, BUY, 520_000, 30_000_000)
    venue.confirm_all()
    after_fills = venue.chain_view()

    assert after_fills == venue.exchange_view()
    assert after_fills == (WALLET_PUSD_MICRO - 45_000_000 - 30_000_000 - 15_600_000 - 524_160, 130_000_000, 60_000_000)
    assert taken["tradeIDs"]

    # A trade that ends FAILED never reaches the chain, and the exchange reverses it.
    venue.order(venue.account_id, venue.down, BUY, 400_000, 20_000_000)
    failing = venue.order(COUNTERPARTY, venue.up, BUY, 600_000, 20_000_000)
    venue.exchange.fail_trade(str(failing["tradeIDs"][0]))  # type: ignore[index]
    venue.confirm_all()

    assert venue.chain_view() == after_fills == venue.exchange_view()

    # The wallet merges 50 full sets itself; the exchange learns it on the refresh.
    venue.merge(50_000_000)
    venue.bridge.sync(venue.account_id)
    after_merge = venue.chain_view()

    assert after_merge == (after_fills[0] + 50_000_000, 80_000_000, 10_000_000)
    assert venue.exchange_view() == after_merge

    # Up wins; the wallet redeems everything it holds.
    local_chain.report_payouts(venue.question, 0)
    venue.exchange.resolve("0x" + venue.condition.hex(), 0)
    venue.redeem()
    venue.bridge.sync(venue.account_id)

    assert venue.chain_view() == (after_merge[0] + 80_000_000, 0, 0)
    assert venue.exchange_view() == venue.chain_view()


def test_pulls_without_approval_stay_owed_until_the_wallet_approves_and_refreshes(local_chain: LocalChain) -> None:
    venue = new_venue(local_chain)
    venue.order(venue.account_id, venue.up, BUY, 400_000, 50_000_000)
    venue.order(COUNTERPARTY, venue.down, BUY, 600_000, 50_000_000)
    venue.confirm_all()

    assert venue.chain_view() == (WALLET_PUSD_MICRO, 50_000_000, 0)  # tokens delivered, payment owed
    assert venue.bridge.owed[venue.account_id].cash_micro == -20_000_000
    venue.bridge.sync(venue.account_id)
    assert venue.exchange_view() == (WALLET_PUSD_MICRO - 20_000_000, 50_000_000, 0)

    venue.bridge.settle()  # still not approved: owed, and not retried at once
    venue.approve_operator()
    venue.bridge.settle()
    assert venue.bridge.owed[venue.account_id].cash_micro == -20_000_000
    venue.bridge.sync(venue.account_id)  # the wallet asks for a refresh after approving (§8.2)

    assert venue.account_id not in venue.bridge.owed
    assert venue.chain_view() == venue.exchange_view() == (WALLET_PUSD_MICRO - 20_000_000, 50_000_000, 0)


def test_a_merge_of_tokens_a_resting_sell_reserved_cancels_that_sell(local_chain: LocalChain) -> None:
    venue = new_venue(local_chain)
    venue.approve_operator()
    venue.order(venue.account_id, venue.up, BUY, 400_000, 40_000_000)
    venue.order(COUNTERPARTY, venue.down, BUY, 600_000, 40_000_000)
    venue.order(venue.account_id, venue.down, BUY, 500_000, 40_000_000)
    venue.order(COUNTERPARTY, venue.up, BUY, 500_000, 40_000_000)
    venue.confirm_all()
    sell = venue.order(venue.account_id, venue.up, SELL, 900_000, 30_000_000)

    venue.merge(25_000_000)
    venue.bridge.sync(venue.account_id)

    account = venue.exchange.accounts.get(venue.account_id)
    assert venue.exchange.order(str(sell["orderID"])).status == "CANCELED"  # type: ignore[union-attr]
    assert account.available_shares_micro(venue.up) == 15_000_000
    assert venue.exchange_view() == venue.chain_view()


def test_a_sync_counts_trades_still_pending_so_it_never_undoes_an_unsettled_fill(local_chain: LocalChain) -> None:
    venue = new_venue(local_chain)
    venue.approve_operator()
    venue.order(venue.account_id, venue.up, BUY, 300_000, 10_000_000)
    venue.order(COUNTERPARTY, venue.down, BUY, 700_000, 10_000_000)
    before = venue.exchange_view()

    venue.bridge.sync(venue.account_id)  # the trade is MATCHED: on the exchange, not yet on chain

    assert venue.exchange_view() == before == (WALLET_PUSD_MICRO - 3_000_000, 10_000_000, 0)
    venue.confirm_all()
    assert venue.chain_view() == before
