"""The feed-book bench reads the frame's sequence number back from either forwarder's entries, so
that both are measured by the same sink."""

from __future__ import annotations

from bench.feed_book import MARKET, TOKENS, frame_sequence
from common.bus.codec import encode
from common.schemas.book import BestBidAsk, BookDelta


def _fields(body: BookDelta | BestBidAsk) -> dict[bytes, bytes]:
    return encode(body, src="feed-book", key=TOKENS[0], event_ms=1, ingest_ms=1.5, emit_ms=2.5)


def test_the_sequence_of_a_feed_book_delta_is_its_first_size_in_whole_units() -> None:
    delta = BookDelta(market=MARKET, asset_id=TOKENS[0], changes=(("BUY", 410_000, 1234 * 1_000_000),),
                      venue_ts_ms=1, recv_ts_ms=1)  # fmt: skip
    assert frame_sequence(_fields(delta)) == 1234


def test_a_feed_book_event_that_is_not_a_delta_has_no_sequence() -> None:
    top = BestBidAsk(market=MARKET, asset_id=TOKENS[0], source="book", best_bid_micro=440_000,
                     best_ask_micro=560_000, venue_ts_ms=1, recv_ts_ms=1)  # fmt: skip
    assert frame_sequence(_fields(top)) is None


def test_the_sequence_of_a_bare_forwarder_entry_is_its_size_field() -> None:
    assert frame_sequence({b"asset": TOKENS[1].encode(), b"price": b"0.41", b"size": b"77"}) == 77
