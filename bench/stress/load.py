"""A recording's timeline read from disk, and which reference-price transport its frames speak."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from bench.stress.timeline import PLAYED_STREAMS, RAW_FEEDS, STAGES, Frame, Item, first_frame_ms, items
from common.bus.codec import decode
from common.schemas.feed import RawFrame
from workers.recorder.reading import read_recording
from workers.recorder.records import Record


class NotPlayable(Exception):
    """A recording a stress run cannot play (no raw frames: ``recorder.raw_frames`` was off)."""


def _with_text(root: Path, from_ms: int, to_ms: int | None) -> Iterator[tuple[Record, str | None]]:
    wanted = set(RAW_FEEDS) | set(PLAYED_STREAMS)
    for record in read_recording(root, lambda s: s in wanted, from_ms, to_ms):
        if record.stream in RAW_FEEDS:
            body = decode(record.fields).body
            yield record, body.text if isinstance(body, RawFrame) else None
        else:
            yield record, None


def load_timeline(root: Path, from_ms: int = 0, to_ms: int | None = None, seconds: float | None = None,
                  stages: tuple[str, ...] = STAGES, follow: bool = False) -> list[Item]:  # fmt: skip
    """The recording's timeline from ``from_ms`` to ``to_ms``, or its first ``seconds`` from there
    (``follow``: as the traced stages follow it, ``bench.stress.timeline.played``)."""
    timeline = list(items(_with_text(root, from_ms, to_ms), stages, follow))
    if seconds is not None and timeline:
        end = first_frame_ms(timeline) + seconds * 1000
        timeline = [i for i in timeline if i.recorded_ms < end]
    feeds = {i.what.feed for i in timeline if isinstance(i.what, Frame)}
    # Played up to the last raw frame: after it the recorded run had stopped its feeds (what its
    # other workers wrote while they stopped is not the pipeline's work).
    last = max((n for n, i in enumerate(timeline) if isinstance(i.what, Frame)), default=-1)
    timeline = timeline[: last + 1]
    if feeds != set(RAW_FEEDS.values()):
        raise NotPlayable(f"{root} holds raw frames of {sorted(feeds) or 'no feed'}: a stress run needs both "
                          f"raw.book and raw.ref (recorded with recorder.raw_frames on, as in sim)")  # fmt: skip
    return timeline


def ref_transport(timeline: list[Item]) -> str:
    """``polybolt`` when the reference frames are PolyBolt's (its ``op``/``channel`` envelope), else ``rtds``."""
    for item in timeline:
        if isinstance(item.what, Frame) and item.what.feed == "ref":
            text = item.what.text
            if '"op"' in text or '"channel"' in text:
                return "polybolt"
            if '"topic"' in text:
                return "rtds"
    return "polybolt"
