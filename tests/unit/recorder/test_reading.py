"""A recording read back: the chosen streams' entries merged in time order, within a time range."""

from __future__ import annotations

from pathlib import Path

from tests.unit.recorder.test_files import HOUR_MS, T0, entry
from workers.recorder.files import StreamFiles
from workers.recorder.reading import read_recording, stream_files


def recording(root: Path) -> None:
    files = StreamFiles(root, rotate_bytes=1 << 20)
    for ms, stream in [(T0, "ref.btc"), (T0 + 5, "book.btc"), (T0 + 7, "ref.btc"), (T0 + HOUR_MS, "book.btc"),
                       (T0 + HOUR_MS + 1, "ref.btc")]:  # fmt: skip
        files.append(entry(stream, ms))
        files.flush()


def test_every_stream_is_read_back_in_time_order_across_files(tmp_path: Path) -> None:
    recording(tmp_path)

    got = [(r.stream, r.ms - T0) for r in read_recording(tmp_path)]

    assert got == [("ref.btc", 0), ("book.btc", 5), ("ref.btc", 7), ("book.btc", HOUR_MS), ("ref.btc", HOUR_MS + 1)]
    assert sorted(stream_files(tmp_path)) == ["book.btc", "ref.btc"]


def test_a_time_range_and_a_stream_choice_narrow_what_is_read(tmp_path: Path) -> None:
    recording(tmp_path)

    got = [
        (r.stream, r.ms - T0)
        for r in read_recording(tmp_path, lambda s: s.startswith("ref."), T0 + 1, T0 + HOUR_MS + 1)
    ]

    assert got == [("ref.btc", 7)]
