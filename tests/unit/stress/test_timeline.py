"""The stress run's timeline: what is played, on which socket, when."""

from __future__ import annotations

import json

import pytest

from bench.stress.timeline import Entry, Frame, book_tokens, counts, due_s, first_frame_ms, items
from common.runner.follow import PLAYED_FIELD
from workers.recorder.records import Record


def record(stream: str, entry_id: str, src: str = "discovery") -> Record:
    return Record(stream=stream, id=entry_id, fields={b"type": b"x", b"src": src.encode(), b"body": b"\x80"})


def test_a_market_frame_names_the_tokens_of_its_events_and_price_changes() -> None:
    frame = json.dumps([{"event_type": "book", "asset_id": "1"},
                        {"event_type": "price_change", "price_changes": [{"asset_id": "2"}, {"asset_id": "1"}]}])
    assert book_tokens(frame) == ("1", "2")
    assert book_tokens("NO NEW ASSETS") == ()


def test_raw_frames_go_to_their_socket_and_the_stages_own_outputs_are_not_played() -> None:
    recorded = [
        (record("markets", "1000-0"), None),
        (record("raw.book", "1001-0", "feed-book"), json.dumps({"event_type": "book", "asset_id": "7"})),
        (record("raw.ref", "1002-0", "feed-ref"), '{"op":"authed"}'),
        (record("book.btc-updown-60s", "1003-0", "feed-book"), None),
        (record("feeds", "1004-0", "feed-book"), None),
        (record("feeds", "1005-0", "feed-user"), None),
        (record("intent.btc-updown-60s", "1006-0", "quoter"), None),
        (record("positions", "1007-0", "ledger"), None),
    ]
    played = list(items(recorded))
    assert [(i.recorded_ms, type(i.what).__name__) for i in played] == [
        (1000, "Entry"), (1001, "Frame"), (1002, "Frame"), (1005, "Entry"), (1007, "Entry")]
    book, ref = played[1].what, played[2].what
    assert isinstance(book, Frame) and book.feed == "book" and book.tokens == ("7",)
    assert isinstance(ref, Frame) and ref.feed == "ref" and ref.tokens == ()
    assert isinstance(played[0].what, Entry) and played[0].what.fields[b"src"] == b"discovery"
    seen = counts(played)
    assert seen.frames == {"book": 1, "ref": 1} and seen.entries == {"markets": 1, "feeds": 1, "positions": 1}
    assert seen.span_ms == 6 and seen.total == 5  # from the first frame: what comes before it is played at once
    assert first_frame_ms(played) == 1001


def test_following_the_recording_every_recorded_feed_status_is_played_marked_as_the_recordings() -> None:
    recorded = [(record("feeds", "1004-0", "feed-book"), None), (record("feeds", "1005-0", "feed-user"), None),
                (record("positions", "1007-0", "ledger"), None)]  # fmt: skip
    played = list(items(recorded, follow=True))
    assert [(i.recorded_ms, i.what.fields[b"src"]) for i in played if isinstance(i.what, Entry)] == [
        (1004, b"feed-book"), (1005, b"feed-user"), (1007, b"ledger")]  # fmt: skip
    marks = [i.what.fields.get(PLAYED_FIELD) for i in played if isinstance(i.what, Entry)]
    assert marks == [b"1", b"1", None]  # only where the run's own entries would be counted too: feeds


def test_an_item_is_due_at_its_recorded_offset_divided_by_the_speed() -> None:
    assert due_s(11_000, 1_000, 1) == 10.0
    assert due_s(11_000, 1_000, 50) == 0.2
    with pytest.raises(ValueError):
        due_s(11_000, 1_000, 0)
