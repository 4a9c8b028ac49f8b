"""Fees, rebates, merges and settlement of one window, on hand-computed examples."""

from __future__ import annotations

from backtest.accounting import WindowBook
from common.fees import CRYPTO_FEES_V2

SHARE = 1_000_000


def test_a_taker_pays_the_crypto_fee_on_top_of_the_notional() -> None:
    book = WindowBook(CRYPTO_FEES_V2)
    # 100 shares at 0.50: 100 x 0.07 x 0.5 x 0.5 = 1.75 pUSD.
    assert book.fill("UP", "BUY", 500_000, 100 * SHARE, maker=False) == 1_750_000
    assert book.cash_micro == -(50_000_000 + 1_750_000)


def test_a_fee_is_rounded_to_five_decimals_and_a_tiny_one_is_zero() -> None:
    book = WindowBook(CRYPTO_FEES_V2)
    # 1 share at 0.999: 0.07 x 0.999 x 0.001 = 0.00006993, charged 0.00007.
    assert book.fill("UP", "BUY", 999_000, SHARE, maker=False) == 70
    # 0.01 share at 0.99: 0.000006931, under the 0.00001 minimum.
    assert book.fill("UP", "BUY", 990_000, 10_000, maker=False) == 0


def test_a_maker_pays_no_fee_and_earns_its_share_of_the_rebate_pool() -> None:
    book = WindowBook(CRYPTO_FEES_V2)
    book.public_print(500_000, 100 * SHARE)  # a taker paid 1.75: the pool is 20%, 0.35
    assert book.fill("UP", "BUY", 500_000, 10 * SHARE, maker=True) == 0
    # Our fee equivalent 0.175 of all makers' 1.75: a tenth of 0.35.
    assert book.rebate_micro() == 35_000


def test_a_full_set_is_merged_at_one_dollar() -> None:
    book = WindowBook(CRYPTO_FEES_V2)
    book.fill("UP", "BUY", 480_000, 10 * SHARE, maker=True)
    book.fill("DOWN", "BUY", 490_000, 15 * SHARE, maker=True)
    assert book.merged_sets_micro == 10 * SHARE
    assert book.shares == {"UP": 0, "DOWN": 5 * SHARE}
    assert book.cost["DOWN"] == 2_450_000
    assert book.cash_micro == -4_800_000 - 7_350_000 + 10_000_000
    assert book.largest_unpaired_micro == 10 * SHARE


def test_settlement_redeems_the_winner_at_one_dollar() -> None:
    book = WindowBook(CRYPTO_FEES_V2)
    book.fill("DOWN", "BUY", 400_000, 5 * SHARE, maker=True)
    book.settle("DOWN")
    assert book.cash_micro == -2_000_000 + 5_000_000
