"""Stream retention by name, and backoff delays."""

from __future__ import annotations

import random

import pytest

from common.bus import streams
from common.retry import Backoff


@pytest.mark.parametrize("name", [streams.book("btc-15m"), streams.ref("btc"), streams.signal("btc-15m")])
def test_market_data_streams_are_bounded(name: str) -> None:
    assert streams.retention(name) is streams.Retention.BOUNDED


@pytest.mark.parametrize(
    "name", [streams.FILLS, streams.ORDERS, streams.EXEC, streams.POSITIONS, streams.INVENTORY, streams.MARKETS]
)
def test_money_streams_are_never_trimmed_below_pending(name: str) -> None:
    assert streams.retention(name) is streams.Retention.PENDING_SAFE


def test_intents_are_pending_safe_until_stale() -> None:
    assert streams.retention(streams.intent("btc-15m")) is streams.Retention.STALE_AFTER


@pytest.mark.parametrize("name", [streams.CTL, streams.AUDIT, streams.ALERTS])
def test_streams_with_several_writers_are_capped_on_every_write(name: str) -> None:
    assert streams.retention(name) is streams.Retention.CAPPED


def test_dead_letter_streams_have_their_own_bound() -> None:
    assert streams.retention(streams.dlq(streams.FILLS)) is streams.Retention.DEAD_LETTERS


def test_backoff_grows_stays_under_its_cap_and_resets() -> None:
    backoff = Backoff(100, 2_000, random.Random(1))

    delays = [backoff.next_delay_s() for _ in range(12)]
    backoff.reset()

    assert all(0.025 <= d <= 2.0 for d in delays)
    assert max(delays[6:]) > max(delays[:2])
    assert backoff.attempt == 0


def test_backoff_refuses_a_cap_below_its_start() -> None:
    with pytest.raises(ValueError, match="initial_ms"):
        Backoff(500, 100)
