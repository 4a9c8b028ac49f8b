"""Gamma markets normalize: TWAP settlement, Protocol V2 ids, strike, winner, refusals."""

from __future__ import annotations

import json

import pytest

from common.venue.convert import loads
from common.venue.errors import VenueParseError
from common.venue.gamma import normalize_gamma_market

#: The Aug 2026 5m BTC Gamma market of the reference (§10.2), with a V2 variant and an event.
TWAP_MARKET = {
    "id": "3598766",
    "question": "Bitcoin Up or Down - August 16, 1:00AM-1:05AM ET",
    "conditionId": "0xc0c6407cec278c626c1a129615d1b2a84bf263e833c90885c9a48753752942c6",
    "slug": "btc-updown-5m-1786856400",
    "resolutionSource": "https://data.chain.link/streams/btc-usd-twap-60s-streams",
    "startDate": "2026-08-15T05:08:42.831334Z",
    "endDate": "2026-08-16T05:05:00Z",
    "eventStartTime": "2026-08-16T05:00:00Z",
    "outcomes": '["Up", "Down"]',
    "clobTokenIds": '["4474", "2322"]',
    "orderPriceMinTickSize": 0.01,
    "orderMinSize": 5,
    "feesEnabled": True,
    "feeType": "crypto_fees_v2",
    "feeSchedule": {"exponent": 1, "rate": 0.07, "takerOnly": True, "rebateRate": 0.2},
    "cryptoMarketConfigId": "btc-5m-twap-60",
    "cryptoMarketConfig": {
        "id": "btc-5m-twap-60",
        "asset": "btc",
        "duration": "5m",
        "twapEnabled": True,
        "twapLookbackSeconds": 60,
    },
    "acceptingOrders": True,
    "closed": False,
    "active": True,
}


def gamma(**changes):
    # Gamma numbers arrive as Decimal (parse_float=Decimal); a JSON round trip reproduces that.
    return loads(json.dumps(TWAP_MARKET | changes))


def test_a_twap_market_records_its_settlement_fees_and_window():
    record = normalize_gamma_market(gamma())

    assert (record.settlement.kind, record.settlement.lookback_s) == ("twap", 60)
    assert record.settlement.config_id == "btc-5m-twap-60"
    assert record.fee_schedule is not None
    assert (record.fee_schedule.rate_ppm, record.fee_schedule.rebate_rate_ppm) == (70_000, 200_000)
    assert (record.window_start_ms, record.window_end_ms) == (1_786_856_400_000, 1_786_856_700_000)
    assert record.token_ids == ("4474", "2322")


def test_the_twap_lookback_is_read_from_the_resolution_source_when_there_is_no_config():
    record = normalize_gamma_market(gamma(cryptoMarketConfig=None, cryptoMarketConfigId=None))

    assert (record.settlement.kind, record.settlement.lookback_s) == ("twap", 60)


def test_a_protocol_v2_market_takes_its_token_ids_from_position_ids():
    record = normalize_gamma_market(gamma(version="v2", positionIds=["7", "8"]))

    assert (record.protocol_version, record.token_ids) == ("v2", ("7", "8"))


def test_the_strike_is_the_events_price_to_beat_scaled_by_1e18():
    record = normalize_gamma_market(gamma(), {"eventMetadata": {"priceToBeat": "118234.56789"}})

    assert record.strike_e18 == 118_234_567_890_000_000_000_000


def test_a_closed_market_paying_down_has_winner_index_1():
    record = normalize_gamma_market(gamma(closed=True, outcomePrices='["0", "1"]'))

    assert record.winner_index == 1


def test_an_event_start_that_disagrees_with_the_slug_is_refused():
    with pytest.raises(VenueParseError):
        normalize_gamma_market(gamma(eventStartTime="2026-08-16T05:05:00Z"))


def test_a_market_with_a_third_token_id_is_refused():
    with pytest.raises(VenueParseError):
        normalize_gamma_market(gamma(clobTokenIds='["1", "2", "3"]'))
