"""Exact numbers, times in s / ms / ISO, and order statuses by prefix."""

from __future__ import annotations

import pytest

from common.venue.convert import epoch_ms, micro
from common.venue.errors import VenueParseError
from common.venue.user_ws import order_status


@pytest.mark.parametrize(
    ("text", "expected"),
    [(".48", 480_000), ("0.48", 480_000), ("100.00", 100_000_000), ("0.0025", 2_500), ("5", 5_000_000)],
)
def test_venue_decimal_strings_parse_to_exact_micro_units(text, expected):
    assert micro(text) == expected


@pytest.mark.parametrize("text", ["0.0000001", "-1", "", ".", "abc", "NaN", "1,5", "١"])
def test_values_that_are_not_exact_non_negative_micro_units_are_refused(text):
    with pytest.raises(VenueParseError):
        micro(text)


def test_binary_floats_are_refused_as_prices():
    with pytest.raises(VenueParseError):
        micro(0.5)


@pytest.mark.parametrize(
    ("value", "expected_ms"),
    [
        ("1725842520", 1_725_842_520_000),
        ("1725842520990", 1_725_842_520_990),
        (1_780_730_269_000, 1_780_730_269_000),
        ("2024-01-01T00:00:00Z", 1_704_067_200_000),
        ("2025-12-30T17:10:15.861305Z", 1_767_114_615_861),
        ("2026-06-08 00:00:16+00", 1_780_876_816_000),
    ],
)
def test_times_in_seconds_milliseconds_or_iso_text_all_become_ms(value, expected_ms):
    assert epoch_ms(value) == expected_ms


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("LIVE", ("LIVE", "")),
        ("CANCELED_MARKET_RESOLVED", ("CANCELED", "MARKET_RESOLVED")),
        ("CANCELED_order couldn't be fully filled.", ("CANCELED", "order couldn't be fully filled.")),
        ("INVALID", ("INVALID", "")),
        ("UNMATCHED", ("UNMATCHED", "")),
    ],
)
def test_order_statuses_are_parsed_by_prefix(raw, expected):
    assert order_status(raw) == expected


def test_an_unknown_order_status_is_a_parse_error_not_a_guess():
    with pytest.raises(VenueParseError):
        order_status("PENDING")
