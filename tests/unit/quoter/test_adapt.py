from decimal import Decimal

import pytest

from common.fees import CRYPTO_FEES_V2, NO_FEES
from common.schemas.market import FeeSchedule, MarketRecord, Settlement
from common.schemas.ref import RefTick
from common.schemas.rewards import RewardHintMessage
from workers.alpha.core import AlphaCore, SettlementRule
from workers.alpha.core.adapt import NotAWindow, apply_ref_tick, window_from_record
from workers.quoter.core import Outcome
from workers.quoter.core.adapt import NotAnUpDownMarket, hint_from_message, market_from_record

START_MS = 1_786_000_000_000


def record(**changes) -> MarketRecord:
    fields = dict(
        series="btc-updown-15m", slug="btc-updown-15m-1786000000", gamma_id="1", condition_id="0xc0",
        outcomes=("Down", "Up"), token_ids=("222", "111"), protocol_version="v1",
        window_start_ms=START_MS, window_end_ms=START_MS + 900_000, tick_size_micro=10_000,
        min_size_micro=5_000_000, fees_enabled=True,
        fee_schedule=FeeSchedule(rate_ppm=70_000, exponent=1, taker_only=True, rebate_rate_ppm=200_000),
        rewards_min_size_micro=50_000_000, rewards_max_spread_micro=45_000, neg_risk=False,
        settlement=Settlement(kind="twap", lookback_s=60), strike_e18=63_000_500_000_000_000_000_000,
        active=True, closed=False, accepting_orders=True,
    )  # fmt: skip
    fields.update(changes)
    return MarketRecord(**fields)


def test_a_market_record_becomes_the_quoters_market_with_tokens_by_outcome_name_and_the_fee_curve():
    market = market_from_record(record(), rewards_enabled=True)
    assert (market.up_token_id, market.down_token_id) == ("111", "222")
    assert market.fee == CRYPTO_FEES_V2
    assert market.rewards_enabled and market.reward_max_spread_micro == 45_000
    assert market_from_record(record()).rewards_enabled is False
    assert market_from_record(record(fees_enabled=False)).fee == NO_FEES


def test_a_market_that_is_not_an_up_down_window_is_refused():
    with pytest.raises(NotAnUpDownMarket):
        market_from_record(record(outcomes=("Yes", "No")))


def test_a_market_record_becomes_the_alphas_window_with_its_rule_and_strike():
    window = window_from_record(record())
    assert (window.rule, window.twap_samples, window.end_s - window.start_s) == (SettlementRule.TWAP, 60, 900)
    assert window.strike == pytest.approx(63_000.5)
    spot = window_from_record(record(settlement=Settlement(kind="spot"), strike_e18=None))
    assert (spot.rule, spot.samples, spot.strike) == (SettlementRule.SPOT, 1, None)
    with pytest.raises(NotAWindow):
        window_from_record(record(series=None))


def test_chainlink_ticks_feed_the_oracle_binance_ticks_the_lead_and_the_twap_stream_its_own_history():
    core = AlphaCore()
    tick = dict(asset="btc", value_e18=int(Decimal("63000.25") * 10**18), venue_ts_ms=START_MS, recv_ts_ms=START_MS + 5)
    assert apply_ref_tick(core, RefTick(source="chainlink", symbol="btc/usd", **tick))
    assert apply_ref_tick(core, RefTick(source="binance", symbol="btcusdt", **tick))
    twap = dict(tick, value_e18=int(Decimal("62990.5") * 10**18))
    assert apply_ref_tick(core, RefTick(source="chainlink_twap60", symbol="btc/usd", **twap))
    assert core.history.last_price() == pytest.approx(63_000.25)  # the TWAP is not a spot price
    assert core.twap.last_price() == pytest.approx(62_990.5) and core.twap.last_s == START_MS // 1000


def test_a_reward_hint_message_becomes_the_quoters_hint_until_it_is_stale():
    message = RewardHintMessage(
        market="0xc0", series="btc-updown-15m", outcome="UP", min_size_micro=50_000_000, max_spread_micro=44_999,
        midpoint_micro=500_000, reason="size", order_id="0x1", target_price_micro=480_000,
        target_size_micro=50_000_000, valid_until_ms=START_MS + 1_000, asof_ms=START_MS,
    )  # fmt: skip
    hint = hint_from_message(message, START_MS)
    assert hint is not None and hint.outcome is Outcome.UP and hint.min_size_micro == 50_000_000
    assert hint_from_message(message, START_MS + 1_001) is None
