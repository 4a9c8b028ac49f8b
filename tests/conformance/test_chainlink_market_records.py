"""Every recorded BTC 5-minute market's Gamma object normalizes into the record its row describes.

The rows (``chainlink/BTC-5m-markets-<day>.jsonl.gz``) give token ids, window bounds, outcome and
strike (``strike_value`` = ``priceToBeat`` × 1e18) beside ``raw``, the whole Gamma market object.
``raw`` carries no event, so the strike is checked by handing the normalizer the parent event's
``eventMetadata.priceToBeat`` as Gamma publishes it (a decimal number).
"""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import pytest

from common.venue.gamma import normalize_gamma_market
from tests.shared_data import SHARED_DATA, needs_shared_data

pytestmark = needs_shared_data

DAYS = ["2026-06-08", "2026-07-24"]


def rows(day: str) -> list[dict]:
    path = SHARED_DATA / "chainlink" / f"BTC-5m-markets-{day}.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line, parse_float=Decimal) for line in lines]


@pytest.mark.parametrize("day", DAYS)
def test_every_recorded_market_normalizes_to_its_rows_tokens_window_fees_and_outcome(day):
    markets = rows(day)

    for row in markets:
        record = normalize_gamma_market(row["raw"])

        assert record.slug == row["slug"]
        assert record.series == "btc-updown-5m"
        assert record.condition_id == row["condition_id"]
        assert list(record.token_ids) == row["token_ids"]
        assert record.outcomes == ("Up", "Down")
        assert record.window_start_ms == row["start_sec"] * 1000
        assert record.window_end_ms == row["end_sec"] * 1000
        assert record.window_end_ms - record.window_start_ms == row["interval_sec"] * 1000
        assert record.fee_schedule is not None
        assert (record.fee_schedule.rate_ppm, record.fee_schedule.exponent) == (70_000, 1)
        assert (record.fee_schedule.taker_only, record.fee_schedule.rebate_rate_ppm) == (True, 200_000)
        assert record.tick_size_micro in (10_000, 1_000)
        assert (record.min_size_micro, record.rewards_min_size_micro) == (5_000_000, 50_000_000)
        assert record.rewards_max_spread_micro == 45_000
        assert (record.settlement.kind, record.neg_risk) == ("spot", False)
        if row["resolved"]:
            assert record.winner_index == row["outcome_prices"].index("1")
    assert len(markets) == 292


@pytest.mark.parametrize("day", DAYS)
def test_the_strike_comes_from_the_events_price_to_beat_exactly(day):
    with_strike = [row for row in rows(day) if row["strike_value"] is not None]

    for row in with_strike:
        price_to_beat = Decimal(row["strike_value"]) / Decimal(10**18)
        event = {"slug": row["slug"], "eventMetadata": {"priceToBeat": price_to_beat}}

        record = normalize_gamma_market(row["raw"], event)

        assert record.strike_e18 == int(row["strike_value"])
    assert len(with_strike) > 250


def test_a_market_without_a_published_strike_has_none():
    row = next(row for row in rows(DAYS[0]) if row["strike_value"] is None)

    assert normalize_gamma_market(row["raw"], {"eventMetadata": {}}).strike_e18 is None
