"""The feeds put every frame they receive on ``raw.<feed>`` (sim mode's default), ahead of the
events parsed from it, and the recorder writes those frames to its files with everything else."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import redis

from common.bus import streams
from common.bus.codec import decode
from common.schemas.base import load_all
from common.schemas.feed import RawFrame
from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import QUIET_5M, emulator, venue_env
from workers.recorder.records import parse_id

pytestmark = [pytest.mark.integration, pytest.mark.slow]
load_all()  # the book events' types, to decode them


def recorded_streams(root: Path) -> set[str]:
    return {json.loads(line)["stream"] for p in root.rglob("*.jsonl.gz")
            for line in gzip.decompress(p.read_bytes()).splitlines()}  # fmt: skip


def test_feeds_keep_their_raw_frames_and_the_recorder_writes_them(redis_url: str, tmp_path: Path) -> None:
    # Arrange
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, *QUIET_5M) as url:
        # RTDS: it needs no API credentials (PolyBolt, the sim default, does); raw frames are kept the same.
        env = {**venue_env(url), "UPDOWN_SERIES": '["btc-5m"]', "UPDOWN_RECORDER__RAW_FRAMES": "true",
               "UPDOWN_FEED_REF__TRANSPORT": "rtds",
               "UPDOWN_RECORDER__FLUSH_INTERVAL_S": "0.2", "UPDOWN_RECORDER__RESCAN_INTERVAL_S": "0.5"}  # fmt: skip
        procs = [start_worker(name, redis_url, tmp_path, f"{name}-0", **env)
                 for name in ("discovery", "feed-book", "feed-ref", "recorder")]  # fmt: skip
        try:
            # Act
            for stream in (streams.raw("book"), streams.raw("ref"), "book.btc-updown-5m", "ref.btc"):
                wait_for(lambda s=stream: client.xlen(s) > 0, 60, f"entries on {stream}")
            wait_for(lambda: {"raw.book", "raw.ref"} <= recorded_streams(tmp_path / "record"), 60,
                     "the raw frames in the recording")  # fmt: skip
        finally:
            codes = stop_all(procs)

    # Assert: frames as received, each ahead of the events parsed from it
    raw = [(eid, decode(f)) for eid, f in client.xrange(streams.raw("book"))]
    assert all(isinstance(env.body, RawFrame) and env.body.feed == "book" for _, env in raw)
    texts = [env.body.text for _, env in raw]  # type: ignore[attr-defined]
    assert any(t.startswith("[") or t.startswith("{") for t in texts), [t[:80] for t in texts[:5]]
    frame_at = {env.ingest_ms: parse_id(eid.decode()) for eid, env in raw}
    events = [(eid, decode(f)) for eid, f in client.xrange("book.btc-updown-5m")]
    # ids of two streams may be equal (written in the same millisecond), never out of order
    orphans = [(eid, env.ingest_ms, frame_at.get(env.ingest_ms)) for eid, env in events
               if env.ingest_ms not in frame_at or frame_at[env.ingest_ms] > parse_id(eid.decode())]  # fmt: skip
    assert events and not orphans, (orphans[:3], sorted(frame_at)[:3], len(raw), len(events))
    assert codes == [0, 0, 0, 0]
