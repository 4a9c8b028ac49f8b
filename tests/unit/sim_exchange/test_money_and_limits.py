"""Fees to the micro-unit, token buckets, and the rebate weights."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from sim.exchange.money import fmt_micro, lot_micro, parse_micro, taker_fee_micro
from sim.exchange.ratelimit import TokenBuckets

from .helpers import CID, UP, ManualClock, make_exchange

RATE = Decimal("0.07")


def test_the_taker_fee_follows_the_schedule_rounded_to_five_decimals() -> None:
    assert taker_fee_micro(100_000_000, 500_000, RATE, 1) == 1_750_000  # $1.75 per 100 shares at 0.50
    assert taker_fee_micro(1_000_000, 900_000, RATE, 1) == 6_300  # 0.63¢ a share at 0.90
    assert taker_fee_micro(1_000_000, 980_000, RATE, 1) == 1_370  # 0.001372 → 0.00137
    assert taker_fee_micro(10_000, 990_000, RATE, 1) == 0  # 0.0000069: under the minimum
    assert taker_fee_micro(5_000_000, 520_000, RATE, 1) == 87_360  # 5 × 0.07 × 0.2496


def test_the_taker_pays_the_fee_and_the_maker_accrues_a_rebate_weight() -> None:
    ex, _, _ = make_exchange()
    ex.submit_internal("alice", UP, "SELL", 520_000, 5_000_000)

    ex.submit_internal("bob", UP, "BUY", 520_000, 5_000_000)

    assert ex.accounts.get("bob").cash_micro == 1_000_000_000 - 2_600_000 - 87_360
    assert ex.accounts.get("alice").cash_micro == 1_000_000_000 + 2_600_000
    assert ex.accounts.taker_fees_micro[CID] == 87_360
    assert ex.accounts.rebate_estimate_micro(CID, "alice", Decimal("0.2")) == 17_472


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_micro_strings_round_trip(value: int) -> None:
    assert parse_micro(fmt_micro(value)) == value


@given(st.integers(min_value=1, max_value=9_999).map(lambda t: t * 100))
def test_a_lot_at_any_four_decimal_price_has_a_whole_micro_notional(price: int) -> None:
    assert lot_micro(price) * price % 1_000_000 == 0
    assert lot_micro(price) <= 10_000


def test_a_token_bucket_allows_the_burst_then_refuses_until_it_refills() -> None:
    clock = ManualClock()
    buckets = TokenBuckets(clock, rate_per_s=40, burst=60)

    burst = [buckets.take("0xabc", 15).allowed for _ in range(4)]
    refused = buckets.take("0xabc", 1)
    clock.now_s += 0.5
    after_refill = buckets.take("0xabc", 15)

    assert burst == [True, True, True, True]
    assert not refused.allowed and refused.remaining == 0 and refused.reset_s == 1
    assert after_refill.allowed and after_refill.remaining == 5
    assert buckets.take("0xother", 60).allowed  # buckets are per signer


def test_a_debit_beyond_the_bucket_is_paid_back_by_later_requests() -> None:
    clock = ManualClock()
    buckets = TokenBuckets(clock, rate_per_s=80, burst=120)

    buckets.debit("0xabc", 200)

    assert not buckets.take("0xabc", 1).allowed
    clock.now_s += 1.0
    assert not buckets.take("0xabc", 1).allowed  # 120 − 200 + 80 = 0 tokens
    clock.now_s += 0.1
    assert buckets.take("0xabc", 1).allowed
