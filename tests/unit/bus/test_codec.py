"""The envelope codec: round trips, and one error for everything undecodable."""

from __future__ import annotations

from decimal import Decimal

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.bus.codec import DecodeError, decode, encode
from common.schemas.base import Message
from common.schemas.heartbeat import Heartbeat


class _Quote(Message):
    TYPE = "test.quote"
    VERSION = 2

    price_micro: int
    size: Decimal
    note: str = ""


def test_an_envelope_round_trips_with_every_header_field() -> None:
    fields = encode(Heartbeat(seq=7, producer="p"), src="hb-producer", key="btc-15m", event_ms=1, ingest_ms=2,
                    emit_ms=3)  # fmt: skip

    env = decode(fields, "1-0")

    assert env.body == Heartbeat(seq=7, producer="p")
    assert (env.src, env.key, env.event_ms, env.ingest_ms, env.emit_ms, env.id) == (
        "hb-producer", "btc-15m", 1, 2, 3, "1-0")  # fmt: skip
    assert fields[b"type"] == b"hb.beat" and fields[b"v"] == b"1"


@given(ingest_us=st.integers(1_600_000_000_000_000, 2_100_000_000_000_000), lag_us=st.integers(0, 10_000_000))
def test_ingest_and_emit_stamps_keep_their_microseconds(ingest_us: int, lag_us: int) -> None:
    ingest_ms, emit_ms = ingest_us / 1000, (ingest_us + lag_us) / 1000

    env = decode(encode(Heartbeat(seq=1, producer="p"), src="t", event_ms=int(ingest_ms), ingest_ms=ingest_ms,
                        emit_ms=emit_ms))  # fmt: skip

    assert round(env.ingest_ms * 1000) == ingest_us and round(env.emit_ms * 1000) == ingest_us + lag_us
    assert isinstance(env.event_ms, int)


def test_whole_millisecond_stamps_written_before_microseconds_still_decode() -> None:
    fields = encode(Heartbeat(seq=1, producer="p"), src="t", event_ms=5, ingest_ms=6, emit_ms=7)
    fields[b"ingest_ms"], fields[b"emit_ms"] = b"1763735000123", b"1763735000124"

    env = decode(fields)

    assert (env.ingest_ms, env.emit_ms) == (1763735000123.0, 1763735000124.0)


@given(price=st.integers(0, 1_000_000), size=st.decimals(allow_nan=False, allow_infinity=False, places=6))
def test_exact_values_survive_the_wire_unchanged(price: int, size: Decimal) -> None:
    body = _Quote(price_micro=price, size=size)

    back = decode(encode(body, src="t", event_ms=0, ingest_ms=0, emit_ms=0)).body

    assert back == body


def test_an_unknown_type_is_a_decode_error() -> None:
    fields = encode(Heartbeat(seq=1, producer="p"), src="t", event_ms=0, ingest_ms=0, emit_ms=0)
    fields[b"type"] = b"no.such.type"

    with pytest.raises(DecodeError, match="unknown message type"):
        decode(fields)


def test_a_newer_schema_version_than_the_code_knows_is_a_decode_error() -> None:
    fields = encode(Heartbeat(seq=1, producer="p"), src="t", event_ms=0, ingest_ms=0, emit_ms=0)
    fields[b"v"] = b"9"

    with pytest.raises(DecodeError, match="newer"):
        decode(fields)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda f: f.update({b"body": b"\xc1"}),
        lambda f: f.update({b"body": msgpack.packb({"seq": "not a number", "producer": "p"})}),
        lambda f: f.update({b"body": msgpack.packb({"seq": 1, "producer": "p", "extra": 1})}),
        lambda f: f.pop(b"src"),
        lambda f: f.update({b"event_ms": b"soon"}),
    ],
    ids=["bad-bytes", "invalid-field", "unknown-field", "missing-header", "bad-timestamp"],
)
def test_malformed_entries_raise_only_decode_error(mutate: object) -> None:
    fields = encode(Heartbeat(seq=1, producer="p"), src="t", event_ms=0, ingest_ms=0, emit_ms=0)
    mutate(fields)  # type: ignore[operator]

    with pytest.raises(DecodeError):
        decode(fields)


def test_bodies_are_frozen() -> None:
    beat = Heartbeat(seq=1, producer="p")

    with pytest.raises(Exception, match="frozen"):
        beat.seq = 2  # type: ignore[misc]
