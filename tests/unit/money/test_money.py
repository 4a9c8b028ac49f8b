from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.money import MoneyError, from_micro, micro_to_str, parse_decimal, to_micro, to_micro_rounded


def test_venue_price_strings_with_and_without_a_leading_zero_parse_to_the_same_micro_units():
    assert to_micro(".48") == to_micro("0.48") == 480_000


def test_a_value_finer_than_one_micro_unit_is_refused_rather_than_rounded():
    with pytest.raises(MoneyError):
        to_micro("0.0000001")


def test_binary_floats_are_refused_as_money():
    with pytest.raises(MoneyError):
        parse_decimal(0.5)  # type: ignore[arg-type]


def test_rounded_conversion_rounds_half_to_even_by_default():
    assert to_micro_rounded("0.0000005") == 0
    assert to_micro_rounded("0.0000015") == 2


def test_micro_units_print_as_plain_venue_strings():
    assert micro_to_str(520_000) == "0.52"
    assert micro_to_str(5_000_000) == "5"
    assert micro_to_str(0) == "0"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_micro_units_round_trip_through_strings_exactly(micro):
    assert to_micro(micro_to_str(micro)) == micro
    assert to_micro(from_micro(micro)) == micro
    assert from_micro(micro) == Decimal(micro) / 1_000_000
