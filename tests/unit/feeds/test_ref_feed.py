"""Reference prices: RTDS frames of the three sources, exact values, and staleness on a fake clock."""

from __future__ import annotations

import json

import pytest

from common.clock import ManualClock
from common.schemas.ref import RefTick
from common.venue.errors import VenueParseError
from common.venue.rtds import RtdsParser, asset_of
from workers.feed_ref.core import RefTransport, RtdsTransport, Staleness

RECV_MS = 1_786_856_400_500


def update(topic, symbol, value, ts=1_786_856_400_000, exact=None, **extra):
    payload = {"symbol": symbol, "timestamp": ts, "value": value} | extra
    if exact is not None:
        payload["full_accuracy_value"] = exact
    return json.dumps({"topic": topic, "type": "update", "timestamp": ts + 40, "payload": payload})


def test_a_twap_update_takes_its_exact_value_from_the_e18_integer_string():
    frame = update("crypto_prices_twap_sixty", "btc/usd", 64232.02, exact="64232021234567890000000", window_s=60)

    (tick,) = RtdsParser().parse(frame, RECV_MS)

    assert (tick.source, tick.asset, tick.symbol) == ("chainlink_twap60", "btc", "btc/usd")
    assert tick.value_e18 == 64_232_021_234_567_890_000_000
    assert (tick.venue_ts_ms, tick.recv_ts_ms) == (1_786_856_400_000, RECV_MS)


def test_a_chainlink_value_sent_as_a_string_parses_exactly():
    (tick,) = RtdsParser().parse(update("crypto_prices_chainlink", "btc/usd", "64232.02"), RECV_MS)

    assert (tick.source, tick.value_e18) == ("chainlink", 64_232_020_000_000_000_000_000)


def test_a_full_accuracy_value_far_from_the_value_is_refused_as_a_misread_scale():
    frame = update("crypto_prices_chainlink", "btc/usd", 64232.02, exact="64232")

    with pytest.raises(VenueParseError):
        RtdsParser().parse(frame, RECV_MS)


@pytest.mark.parametrize("frame", ["PONG", "pong", '{"topic":"crypto_prices","type":"subscribe"}'])
def test_frames_without_a_payload_are_skipped_and_counted(frame):
    parser = RtdsParser()

    assert parser.parse(frame, RECV_MS) == []
    assert parser.counts["no_payload"] == 1


@pytest.mark.parametrize(
    "frame",
    [
        '{"payload": ',
        '{"topic":"crypto_prices","payload":{"timestamp":1,"value":1}}',
        '{"topic":"crypto_prices","payload":{"symbol":"btcusdt","timestamp":1,"value":"abc"}}',
        '{"topic":"crypto_prices","payload":{"symbol":"btcusdt","timestamp":1,"value":1e400}}',
        '["payload"]',
    ],
)
def test_a_malformed_rtds_frame_raises_the_one_parse_error(frame):
    with pytest.raises(VenueParseError):
        RtdsParser().parse(frame, RECV_MS)


def test_symbols_of_every_source_name_the_same_asset():
    assert asset_of("btcusdt") == asset_of("btc/usd") == asset_of("BTCUSD") == "btc"


def test_the_rtds_transport_subscribes_three_topics_and_keeps_only_our_assets():
    transport: RefTransport = RtdsTransport(["btc"])

    (subscribe,) = transport.subscribe_frames()
    ticks = transport.parse(update("crypto_prices", "ethusdt", 3000.5), RECV_MS)
    ours = transport.parse(update("crypto_prices", "btcusdt", 64000.5), RECV_MS)

    topics = [s["topic"] for s in json.loads(subscribe)["subscriptions"]]
    assert topics == ["crypto_prices", "crypto_prices_chainlink", "crypto_prices_twap_sixty"]
    assert json.loads(subscribe)["subscriptions"][1]["filters"] == '{"symbol":"btc/usd"}'
    assert ticks == []
    assert [t.asset for t in ours] == ["btc"]
    assert (transport.ping_text, transport.ping_interval_ms) == ("ping", 5_000)


def tick(source, recv_ms, price_ts_ms=None):
    return RefTick(
        source=source,
        asset="btc",
        symbol="btc/usd",
        value_e18=1,
        venue_ts_ms=recv_ms if price_ts_ms is None else price_ts_ms,
        recv_ts_ms=recv_ms,
    )


def test_a_source_is_stale_once_its_last_tick_is_older_than_its_limit():
    clock = ManualClock(10_000)
    staleness = Staleness(clock, [("chainlink", "btc")], {"chainlink": 5_000})
    staleness.observe(tick("chainlink", 10_000))

    clock.advance(4_999)
    fresh = staleness.status("chainlink", "btc")
    clock.advance(1)
    stale = staleness.status("chainlink", "btc")

    assert (fresh.up, fresh.stale_since_ms) == (True, None)
    assert (stale.up, stale.stale_since_ms) == (False, 15_000)


def test_an_oracle_repeating_an_old_price_time_is_stale_though_frames_keep_arriving():
    clock = ManualClock(20_000)
    staleness = Staleness(clock, [("chainlink_twap60", "btc")], {"chainlink_twap60": 5_000})

    staleness.observe(tick("chainlink_twap60", recv_ms=20_000, price_ts_ms=12_000))

    assert staleness.status("chainlink_twap60", "btc").stale_since_ms == 17_000


def test_a_source_never_heard_from_goes_stale_one_limit_after_the_start():
    clock = ManualClock(0)
    staleness = Staleness(clock, [("binance", "btc")], {"binance": 3_000})

    clock.advance(3_000)

    status = staleness.status("binance", "btc")
    assert (status.up, status.last_recv_ms, status.stale_since_ms) == (False, None, 3_000)


def test_changes_report_each_flip_once():
    clock = ManualClock(0)
    staleness = Staleness(clock, [("binance", "btc")], {"binance": 3_000})

    initial = staleness.changes()
    clock.advance(3_500)
    went_stale = staleness.changes()
    unchanged = staleness.changes()
    staleness.observe(tick("binance", 3_600))
    clock.advance(200)
    came_back = staleness.changes()

    assert [s.up for s in initial] == [True]
    assert [s.up for s in went_stale] == [False]
    assert unchanged == []
    assert [s.up for s in came_back] == [True]


def test_old_snapshot_points_do_not_refresh_a_newer_tick():
    clock = ManualClock(10_000)
    staleness = Staleness(clock, [("binance", "btc")], {"binance": 3_000})
    staleness.observe(tick("binance", 10_000))

    staleness.observe(tick("binance", recv_ms=10_500, price_ts_ms=5_000))

    assert staleness.status("binance", "btc").last_price_ts_ms == 10_000
