from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from common.fees import (
    CRYPTO_FEES_2026Q1,
    CRYPTO_FEES_V2,
    FeeSchedule,
    crypto_schedule_at,
    fee_equivalent,
    fee_per_share,
    maker_rebate_upper_bound,
    round_fee,
    taker_fee,
    taker_fee_micro,
)

prices = st.integers(min_value=1, max_value=999).map(lambda n: Decimal(n) / 1000)


def test_taker_fee_for_100_shares_at_half_is_1_75_under_todays_schedule():
    assert taker_fee(Decimal(100), Decimal("0.5"), CRYPTO_FEES_V2) == Decimal("1.75")


def test_taker_fee_for_100_shares_at_half_is_0_78125_under_the_jan_mar_2026_schedule():
    assert taker_fee(Decimal(100), Decimal("0.5"), CRYPTO_FEES_2026Q1) == Decimal("0.78125")


def test_fee_per_share_matches_the_documented_cents_at_090_and_098():
    assert fee_per_share(Decimal("0.9"), CRYPTO_FEES_V2) == Decimal("0.0063")
    assert fee_per_share(Decimal("0.98"), CRYPTO_FEES_V2) == Decimal("0.001372")


def test_fees_round_to_five_decimals_and_vanish_below_the_minimum():
    assert round_fee(Decimal("0.000009999")) == 0
    assert round_fee(Decimal("0.00001")) == Decimal("0.00001")
    assert round_fee(Decimal("0.123456")) == Decimal("0.12346")
    # 0.1 share at 0.999: 0.1 * 0.07 * 0.000999 = 0.0000069930 < minimum
    assert taker_fee(Decimal("0.1"), Decimal("0.999"), CRYPTO_FEES_V2) == 0


def test_fee_in_micro_units_matches_the_decimal_fee():
    assert taker_fee_micro(100_000_000, 500_000, CRYPTO_FEES_V2) == 1_750_000
    assert taker_fee_micro(7_770_000, 530_000, CRYPTO_FEES_V2) == 135_490  # 7.77 × 0.07 × 0.53 × 0.47 = 0.13548549


def test_gamma_fee_schedule_parses_into_todays_crypto_schedule():
    schedule = FeeSchedule.from_gamma({"rate": 0.07, "exponent": 1, "takerOnly": True, "rebateRate": 0.2})
    assert schedule == CRYPTO_FEES_V2


def test_the_schedule_in_force_is_selected_by_date():
    assert crypto_schedule_at(1_780_876_800_000) is CRYPTO_FEES_V2  # 2026-06-08
    assert crypto_schedule_at(1_770_000_000_000) is CRYPTO_FEES_2026Q1  # 2026-02-02
    assert crypto_schedule_at(1_760_000_000_000).rate == 0


def test_maker_rebate_bound_is_twenty_percent_of_the_fee_equivalent():
    assert fee_equivalent(Decimal(100), Decimal("0.5"), CRYPTO_FEES_V2) == Decimal("1.75")
    assert maker_rebate_upper_bound(Decimal(100), Decimal("0.5"), CRYPTO_FEES_V2) == Decimal("0.35")


@given(prices)
def test_fee_per_share_is_symmetric_in_price_today_and_never_negative(price):
    assert fee_per_share(price, CRYPTO_FEES_V2) == fee_per_share(1 - price, CRYPTO_FEES_V2)
    assert fee_per_share(price, CRYPTO_FEES_V2) >= 0
    assert fee_per_share(price, CRYPTO_FEES_2026Q1) >= 0
