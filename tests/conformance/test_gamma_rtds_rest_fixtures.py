"""Gamma, CLOB-market, data-API and RTDS fixtures normalize into records, trades and ticks."""

from __future__ import annotations

from common.schemas.ref import RefTick
from common.venue.clob_rest import parse_clob_market, parse_data_api_trades
from common.venue.gamma import normalize_gamma_event, normalize_gamma_market
from common.venue.rtds import RtdsParser
from tests.shared_data import needs_shared_data

from ._captures import CAPTURES_HTTP, FIXTURES, RECV_MS, obj, raw

pytestmark = needs_shared_data


def test_the_gamma_5m_btc_market_normalizes_into_a_window_record():
    record = normalize_gamma_market(obj(FIXTURES / "gamma_market.json"))

    assert (record.series, record.slug, record.gamma_id) == (
        "btc-updown-5m",
        "btc-updown-5m-1773307200",
        "1557558",
    )
    assert record.condition_id == "0x78443f961b9a65869dcb39359de9960165c7e5cbad0904eac7f29cd77872a63b"
    assert record.outcomes == ("Up", "Down")
    assert record.token_ids == (
        "104239898038807136052399800151408521467737075933964991162589336683346093173875",
        "71183960810705820955071415844881728181970340514894896943812046065452395013351",
    )
    assert (record.window_start_ms, record.window_end_ms) == (1773307200000, 1773307500000)
    assert (record.tick_size_micro, record.min_size_micro) == (10_000, 5_000_000)
    assert (record.fees_enabled, record.fee_type, record.fee_schedule) == (True, "crypto_fees", None)
    assert (record.rewards_min_size_micro, record.rewards_max_spread_micro) == (50_000_000, 45_000)
    assert (record.neg_risk, record.protocol_version) == (False, "v1")
    assert (record.settlement.kind, record.settlement.lookback_s) == ("spot", None)
    assert record.settlement.resolution_source == "https://data.chain.link/streams/btc-usd"
    assert record.strike_e18 is None
    assert (record.active, record.closed, record.accepting_orders) == (True, False, True)
    assert record.accepting_orders_ts_ms == 1773221275000
    assert record.winner_index is None


def test_the_gamma_neg_risk_event_gives_one_record_per_market_without_a_window_start():
    records = normalize_gamma_event(obj(FIXTURES / "gamma_event.json"))

    assert [r.condition_id for r in records] == [
        "0xc8f1cf5d4f26e0fd9c8fe89f2a7b3263b902cf14fde7bfccef525753bb492e47",
        "0xe39adea057926dc197fe30a441f57a340b2a232d5a687010f78bba9b6e02620f",
    ]
    first = records[0]
    assert first.token_ids == (
        "60590045489347122735554346200880179420435533609307820342798544098823516727807",
        "76005700027045000587004110133818166617024719626220722682005164003117993034812",
    )
    assert first.outcomes == ("Yes", "No")
    assert (first.series, first.window_start_ms, first.window_end_ms) == (None, None, 1857168000000)
    assert (first.neg_risk, first.tick_size_micro) == (True, 1_000)
    assert (first.rewards_min_size_micro, first.rewards_max_spread_micro) == (20_000_000, 35_000)
    assert (first.fees_enabled, first.fee_type) == (False, None)


def test_the_clob_market_capture_lists_yes_then_no_with_its_tick_and_reward_minimum():
    info = parse_clob_market(obj(CAPTURES_HTTP / "market.json"))

    assert info.condition_id == "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917"
    assert info.outcomes == ("Yes", "No")
    assert info.token_ids[0] == "21742633143463906290569050155826241533067272736897614950488156847949938836455"
    assert (info.tick_size_micro, info.min_size_micro) == (1_000, 5_000_000)
    assert (info.neg_risk, info.accepting_orders, info.closed) == (True, True, False)
    assert (info.rewards_min_size_micro, info.winner_index) == (200_000_000, None)


def test_data_api_trades_with_json_number_prices_parse_exactly():
    captured = parse_data_api_trades(obj(CAPTURES_HTTP / "trades.json"), RECV_MS)
    fixture = parse_data_api_trades(obj(FIXTURES / "data_api_trades_response.json"), RECV_MS)

    assert len(captured) == 4
    assert (captured[0].side, captured[0].price_micro, captured[0].size_micro) == ("SELL", 998_000, 5_400_000)
    assert captured[0].venue_ts_ms == 1729000180000
    assert (captured[1].price_micro, captured[1].size_micro) == (520_000, 94_370_000)
    assert [(t.side, t.price_micro, t.size_micro) for t in fixture] == [
        ("BUY", 550_000, 100_000_000),
        ("SELL", 530_000, 50_000_000),
        ("BUY", 450_000, 75_000_000),
    ]


def test_the_rtds_subscribe_snapshot_gives_three_binance_btc_points():
    parser = RtdsParser()

    ticks = parser.parse(raw(FIXTURES / "rtds_crypto_prices_subscribe.json"), RECV_MS)

    assert all(isinstance(t, RefTick) and t.from_snapshot for t in ticks)
    assert [(t.source, t.asset, t.symbol) for t in ticks] == [("binance", "btc", "btcusdt")] * 3
    assert [(t.venue_ts_ms, t.value_e18) for t in ticks] == [
        (1780726209000, 61164_120000000000000000),
        (1780726210000, 61161_070000000000000000),
        (1780726211000, 61150_890000000000000000),
    ]


def test_the_rtds_update_takes_its_exact_value_from_full_accuracy_value():
    (tick,) = RtdsParser().parse(raw(FIXTURES / "rtds_crypto_prices_update.json"), RECV_MS)

    assert (tick.source, tick.asset, tick.from_snapshot) == ("binance", "btc", False)
    assert tick.value_e18 == 61035_860000000000000000
    assert str(tick.value) == "61035.86"
    assert (tick.venue_ts_ms, tick.recv_ts_ms) == (1780730269000, RECV_MS)


def test_rtds_equity_frames_are_recognised_and_skipped_as_another_topic():
    parser = RtdsParser()

    out = [
        *parser.parse(raw(FIXTURES / "rtds_equity_prices_subscribe.json"), RECV_MS),
        *parser.parse(raw(FIXTURES / "rtds_equity_prices_update.json"), RECV_MS),
    ]

    assert out == []
    assert parser.counts["other_topic"] == 2
