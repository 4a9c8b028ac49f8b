"""The informed taker against one maker on the emulator's real exchange (``sim.realism.duel``): it makes
money from a maker that never moves its quotes, and loses to one that cancels within the venue's
250 ms taker delay, because its orders wait out the delay and cannot be cancelled, while the
maker's resting orders can; without the delay the same cancelling maker is picked off."""

from __future__ import annotations

import pytest

from sim.realism.duel import CANCELLING, STATIC, DuelResult, run_duel

SEED = 0
#: Three 5-minute windows: a few seconds of CPU for the three runs.
WINDOWS = 3


@pytest.fixture(scope="module")
def static() -> DuelResult:
    return run_duel(STATIC, SEED, WINDOWS)


@pytest.fixture(scope="module")
def cancelling() -> DuelResult:
    return run_duel(CANCELLING, SEED, WINDOWS)


def test_the_informed_taker_makes_money_from_a_maker_that_never_moves(static):
    assert static.fills >= 100
    assert static.markout_usd > 0.05 * static.shares  # more than 5 c a share after the fee


def test_it_loses_to_a_maker_that_cancels_within_the_taker_delay(static, cancelling):
    assert cancelling.taker_orders > cancelling.fills > 0  # most of its orders find the quote gone
    assert cancelling.fills < static.fills / 10
    assert cancelling.markout_usd < 0  # what does fill is what the maker no longer minds selling


def test_without_the_delay_the_same_cancelling_maker_is_picked_off(cancelling):
    undelayed = run_duel(CANCELLING, SEED, WINDOWS, taker_delay_ms=0)

    assert undelayed.taker_orders == cancelling.taker_orders  # the same chances...
    assert undelayed.fills == undelayed.taker_orders  # ...each one filled
    assert undelayed.markout_usd > 0
