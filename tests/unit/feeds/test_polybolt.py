"""PolyBolt envelopes to ticks (exact decimals, one error type) and the transport's recovery rules."""

from __future__ import annotations

import json
import random

import pytest

from common.config.settings import FeedRefSettings
from common.venue import polybolt
from common.venue.errors import VenueParseError
from workers.feed_ref.polybolt import PolyBoltTransport

RECV_MS = 1_786_856_400_500
CREDS = {"apiKey": "k", "secret": "s", "passphrase": "p"}


def envelope(channel="price.crypto", seq=1, snapshot=False, dropped=None, **payload):
    body = {"symbol": "btcusd", "source": "pyth", "timestamp": 1_786_856_400_000, "value": 64232.02,
            "full_accuracy_value": "64232.0212345678"} | payload
    if channel == "price.crypto.twap":
        body = {"source": "chainlink", "window_seconds": 60} | body if "source" not in payload else body
    frame = {"v": 1, "channel": channel, "seq": seq, "ts": 1_786_856_400_040, "payload": body}
    if snapshot:
        frame["snapshot"] = True
    if dropped is not None:
        frame["dropped"] = dropped
    return json.dumps(frame)


def test_a_spot_update_is_a_pyth_tick_with_the_exact_decimal_string():
    parsed = polybolt.parse(envelope(), RECV_MS)

    (tick,) = parsed.ticks
    assert (tick.source, tick.asset, tick.symbol, tick.from_snapshot) == ("pyth", "btc", "btcusd", False)
    assert tick.value_e18 == 64_232_021_234_567_800_000_000
    assert (parsed.channel, parsed.seq, parsed.dropped) == ("price.crypto", 1, 0)


def test_a_twap_snapshot_gives_every_point_as_the_chainlink_twap_source():
    points = [{"timestamp": 1_786_856_399_000 + i * 1000, "value": "64000.5", "full_accuracy_value": "64000.5"}
              for i in range(3)]
    frame = json.dumps({"v": 1, "channel": "price.crypto.twap", "seq": 1, "ts": 1, "snapshot": True,
                        "payload": {"symbol": "BTCUSD", "source": "chainlink", "window_seconds": 60, "data": points}})

    parsed = polybolt.parse(frame, RECV_MS)

    assert [t.source for t in parsed.ticks] == ["chainlink_twap60"] * 3
    assert all(t.from_snapshot and t.value_e18 == 64_000_500_000_000_000_000_000 for t in parsed.ticks)


def test_control_replies_are_parsed_apart_from_data():
    parsed = polybolt.parse('{"op":"error","rid":"sub","channel":"price.crypto","code":"bad_filter"}', RECV_MS)

    assert parsed.control == polybolt.Control("error", "sub", "price.crypto", "bad_filter")
    assert parsed.ticks == []


@pytest.mark.parametrize("frame", [
    "not json", "[]", '{"op":"hello"}', '{"v":2,"channel":"price.crypto","seq":1,"ts":1,"payload":{}}',
    '{"v":1,"channel":"price.crypto","seq":-1,"ts":1,"payload":{}}',
    '{"v":1,"channel":"price.crypto","seq":1,"ts":1,"payload":[]}',
    '{"v":1,"channel":"price.crypto","seq":true,"ts":1,"payload":{}}',
    '{"v":1,"channel":"price.crypto","seq":1,"ts":1,"snapshot":"yes","payload":{}}',
    '{"v":1,"channel":"price.crypto","seq":1,"ts":1,"payload":{"symbol":"btcusd","source":"pyth","timestamp":1}}',
    '{"v":1,"channel":"price.crypto","seq":1,"ts":1,"snapshot":true,"payload":{"symbol":"btcusd","source":"pyth"}}',
    envelope(full_accuracy_value="64232.02", value=1.0),  # the exact and approximate values disagree
    envelope(full_accuracy_value="0"),  # not a believable price
    envelope("price.crypto.twap", window_seconds=30, source="chainlink"),
])
def test_malformed_envelopes_raise_only_the_venue_parse_error(frame):
    with pytest.raises(VenueParseError):
        polybolt.parse(frame, RECV_MS)


def test_unknown_channels_and_sources_are_skipped_not_refused():
    assert polybolt.parse(envelope("price.equity"), RECV_MS).ticks == []
    assert polybolt.parse(envelope(source="massive"), RECV_MS).ticks == []


def test_the_subscription_asks_both_channels_for_every_asset_and_respects_the_limit():
    frame = json.loads(polybolt.subscribe_frame(["eth", "btc"]))

    assert frame["op"] == "subscribe"
    assert frame["subscriptions"][:2] == [
        {"channel": "price.crypto", "filter": {"symbol": "btcusd"}},
        {"channel": "price.crypto.twap", "filter": {"symbol": "btcusd", "window_seconds": 60}}]
    with pytest.raises(ValueError):
        polybolt.subscribe_frame([f"a{i}" for i in range(33)])


def transport() -> PolyBoltTransport:
    t = PolyBoltTransport("ws://x", ["btc"], FeedRefSettings(), random.Random(1))
    t.credentials = CREDS
    return t


def test_it_authenticates_first_and_subscribes_once_authed():
    t = transport()
    (auth,) = t.subscribe_frames()
    assert json.loads(auth) == {"op": "auth", "rid": "auth", "auth": CREDS}
    assert t.take_replies() == []
    t.parse('{"op":"authed","rid":"auth"}', RECV_MS)
    assert [json.loads(f)["op"] for f in t.take_replies()] == ["subscribe"]


def test_a_seq_gap_or_a_server_drop_asks_for_a_reconnect_and_a_new_connection_starts_afresh():
    t = transport()
    t.subscribe_frames()
    t.parse(envelope(seq=1), RECV_MS)
    t.parse(envelope(seq=2), RECV_MS)
    t.parse(envelope("price.crypto.twap", seq=1), RECV_MS)  # sequences are per channel
    assert t.take_restart() is None
    t.parse(envelope(seq=4), RECV_MS)
    assert t.take_restart() == "seq gap on price.crypto: 2 -> 4"
    t.subscribe_frames()
    t.parse(envelope(seq=1), RECV_MS)  # a new connection counts from its own start
    assert t.take_restart() is None
    t.parse(envelope(seq=2, dropped=3), RECV_MS)
    assert t.take_restart() == "server dropped 3 on price.crypto"


def test_each_close_code_gets_its_wait():
    cfg = FeedRefSettings()
    t = transport()
    assert t.retry_delay_s(4001) == cfg.auth_retry_s
    assert t.retry_delay_s(4008) == cfg.policy_backoff_s
    assert 0 <= t.retry_delay_s(4003) <= cfg.draining_jitter_s
    assert t.retry_delay_s(4002) is None and t.retry_delay_s(None) is None  # the usual backoff
    t.parse('{"op":"error","rid":"auth","code":"auth_invalid"}', RECV_MS)
    assert t.take_restart() == "auth refused: auth_invalid"
    assert t.retry_delay_s(1006) == cfg.auth_retry_s  # refused credentials: slow, whatever the close
    t.parse('{"op":"error","rid":"sub","code":"rate_limited"}', RECV_MS)
    assert t.retry_delay_s(1000) == cfg.policy_backoff_s
