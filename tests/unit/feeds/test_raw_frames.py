"""A feed's raw frames go on ``raw.<feed>`` only when ``recorder.raw_frames`` is on."""

from __future__ import annotations

from typing import Any

import fakeredis

from common.bus.codec import decode
from common.bus.writer import Writer
from common.clock import ManualClock
from common.config import load_settings
from common.schemas.feed import RawFrame
from workers.feeds import keep_raw_frame


class Ctx:
    def __init__(self, raw_frames: bool) -> None:
        self.settings = load_settings(env={"UPDOWN_RECORDER__RAW_FRAMES": str(raw_frames).lower()})
        self.writer = Writer(fakeredis.aioredis.FakeRedis(), "feed-book", self.settings.bus, ManualClock())


class Batcher:
    def __init__(self) -> None:
        self.added: list[tuple[str, Any, int]] = []

    def add(self, stream: str, fields: Any, maxlen: int = 0, received_ns: int = 0) -> None:
        self.added.append((stream, fields, maxlen))


def test_a_frame_goes_on_its_raw_stream_as_received_when_raw_frames_is_on() -> None:
    batcher = Batcher()

    keep_raw_frame(Ctx(True), batcher, "book", '[{"event_type":"book"}]', 1_800_000_000_123.456)  # type: ignore[arg-type]

    [(stream, fields, maxlen)] = batcher.added
    env = decode(fields)
    assert (stream, maxlen) == ("raw.book", 100_000)
    assert env.body == RawFrame(feed="book", text='[{"event_type":"book"}]')
    assert env.ingest_ms == 1_800_000_000_123.456


def test_no_frame_is_kept_when_raw_frames_is_off() -> None:
    batcher = Batcher()

    keep_raw_frame(Ctx(False), batcher, "ref", b"{}", 1.0)  # type: ignore[arg-type]

    assert batcher.added == []
