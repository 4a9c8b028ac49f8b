"""Reward and rebate accrual over a window, the venue's scoring answer, and the bus bodies."""

from decimal import Decimal
from fractions import Fraction

from common.bus.codec import decode, encode
from common.fees import CRYPTO_FEES_V2
from common.schemas.rewards import RewardEstimate, RewardHintMessage
from common.ticks import TickGrid
from tests.unit.rewards.builders import BTC_15M, buy, c, sh
from workers.quoter.core import Outcome, RewardHint
from workers.rewards.core import (
    MAX_HOLD_MS,
    Observation,
    RewardTally,
    UnifiedBook,
    add_maker_fill,
    observe,
    plan_hint,
    reconcile,
    score_market,
    scoring_batches,
    scoring_sides,
)
from workers.rewards.core.publish import estimate_message, hint_from_message, hint_message

T0 = 1_780_000_000_000
POOL = 1_000_000_000  # $1000 a day


def obs(at_ms: int, share: Fraction, one: bool = True, two: bool = True, pool: int | None = POOL) -> Observation:
    return Observation(at_ms, share, pool, one, two)


def test_a_share_held_for_a_minute_earns_the_pool_rate_times_the_share_times_the_time():
    # Arrange: 3/28 of every sample, observed each second for 60 s
    tally = RewardTally("w")

    # Act
    for second in range(61):
        tally = observe(tally, obs(T0 + second * 1000, Fraction(3, 28)))

    # Assert: 1e9 micro/day × 3/28 × 60 s / 86400 s = 3e9 / 40320 = 74404.76… micro → 74404
    assert tally.reward_micro == Fraction(1_000_000_000 * 3 * 60_000, 28 * 86_400_000)
    assert tally.reward_floor_micro == 74_404
    assert tally.observed_ms == 60_000


def test_a_gap_longer_than_the_hold_limit_is_credited_only_up_to_the_limit():
    tally = observe(observe(RewardTally("w"), obs(T0, Fraction(1))), obs(T0 + 60_000, Fraction(1)))
    assert tally.observed_ms == MAX_HOLD_MS
    assert tally.reward_micro == Fraction(POOL * MAX_HOLD_MS, 86_400_000)


def test_two_sided_time_counts_only_while_both_sides_score_and_an_unknown_pool_earns_nothing():
    tally = RewardTally("w")
    for i, (one, two) in enumerate([(True, True), (True, False), (False, True), (True, True), (False, False)]):
        tally = observe(tally, obs(T0 + i * 1000, Fraction(1, 2), one, two, pool=None))
    # each observation holds until the next one; the last one (neither side) has not held yet
    assert (tally.observed_ms, tally.two_sided_ms, tally.any_side_ms) == (4000, 2000, 4000)
    assert tally.two_sided_ratio == Fraction(1, 2)
    assert tally.reward_micro == 0


def test_an_observation_older_than_the_last_changes_nothing():
    tally = observe(observe(RewardTally("w"), obs(T0 + 5000, Fraction(1))), obs(T0 + 1000, Fraction(0)))
    assert tally.last is not None and tally.last.now_ms == T0 + 5000
    assert tally.observed_ms == 0


def test_a_maker_fill_accrues_twenty_percent_of_its_fee_equivalent_once():
    # 100 shares at 50¢: fee equivalent 100 × 0.07 × 0.5 × 0.5 = 1.75 pUSD; rebate 20% = 0.35 pUSD
    tally = add_maker_fill(RewardTally("w"), "t1", sh(100), c(50), CRYPTO_FEES_V2)
    again = add_maker_fill(tally, "t1", sh(100), c(50), CRYPTO_FEES_V2)
    assert tally.fee_equivalent == Decimal("1.75")
    assert tally.rebate_floor_micro == 350_000
    assert again == tally


def test_the_venue_answer_wins_and_each_disagreement_is_counted():
    # Arrange: we estimate a scores (47¢ × 100) and b does not (49 shares)
    book = UnifiedBook(bids=((c(48), sh(100)), (c(47), sh(100)), (c(46), sh(49))), asks=((c(52), sh(100)),))
    estimates = score_market(book, [buy("a", "UP", 47, 100), buy("b", "UP", 46, 49)], BTC_15M).orders

    # Act: the venue says a does not score, and says nothing about b
    records, mismatches = reconcile(estimates, {"a": False})

    # Assert
    assert [(r.order_id, r.estimated, r.venue, r.scoring) for r in records] == [
        ("a", True, False, False),
        ("b", False, None, False),
    ]
    assert mismatches == 1
    assert scoring_sides(records) == (False, False)


def test_scoring_requests_are_batched_without_duplicates():
    ids = [f"0x{i}" for i in range(250)] + ["0x0"]
    batches = list(scoring_batches(ids, 100))
    assert [len(b) for b in batches] == [100, 100, 50]
    assert [i for b in batches for i in b] == ids[:250]


def test_a_hint_travels_the_bus_and_comes_back_as_the_quoters_hint_until_it_goes_stale():
    # Arrange
    order = buy("a", "UP", 40, 100)
    book = UnifiedBook(bids=((c(48), sh(100)), (c(40), sh(100))), asks=((c(52), sh(100)),))
    plan = plan_hint(book, [order], "UP", BTC_15M, TickGrid(10_000))
    assert plan is not None

    # Act
    fields = encode(hint_message(plan, "0xc0", "btc-15m", T0), src="rewards", event_ms=T0, ingest_ms=T0, emit_ms=T0)
    body = decode(fields).body

    # Assert
    assert isinstance(body, RewardHintMessage)
    assert hint_from_message(body, T0 + 1000) == RewardHint(Outcome.UP, sh(50), 44_999, c(50))
    assert hint_from_message(body, T0 + 60_000) is None


def test_a_window_estimate_rounds_down_and_counts_scoring_orders_by_the_venues_word():
    tally = RewardTally("w")
    for second in range(61):
        tally = observe(tally, obs(T0 + second * 1000, Fraction(3, 28)))
    tally = add_maker_fill(tally, "t1", sh(100), c(50), CRYPTO_FEES_V2)
    book = UnifiedBook(bids=((c(48), sh(100)), (c(47), sh(100))), asks=((c(52), sh(100)),))
    records, mismatches = reconcile(score_market(book, [buy("a", "UP", 47, 100)], BTC_15M).orders, {"a": True})

    msg = estimate_message(tally, records, mismatches, market="0xc0", series="btc-15m",
                           window_start_ms=T0, window_end_ms=T0 + 900_000, now_ms=T0 + 60_000)  # fmt: skip

    assert isinstance(msg, RewardEstimate)
    assert (msg.reward_micro, msg.rebate_micro, msg.fee_equivalent_micro) == (74_404, 350_000, 1_750_000)
    assert (msg.share_ppm, msg.scoring_orders, msg.live_orders, msg.venue_mismatches) == (107_142, 1, 1, 0)
    assert decode(encode(msg, src="rewards", event_ms=0, ingest_ms=0, emit_ms=0)).body == msg
