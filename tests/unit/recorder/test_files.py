"""The recording's files: gzip'd JSON lines read back by the standard library, one file per stream
per UTC hour and size limit, and a torn last member found and cut off on reopen."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

from workers.recorder.files import StreamFiles, delete_older_than, whole_members
from workers.recorder.records import NO_ID, Record, decode_line, encode_line, wanted

#: 2026-12-06 10:00:00 UTC in ms.
T0 = 1_796_551_200_000
HOUR_MS = 3_600_000


def entry(stream: str, ms: int, seq: int = 0, body: bytes = b"\x82\xa1a\x01\xa1b\xc4\x02\xff\x00") -> Record:
    return Record(stream, f"{ms}-{seq}", {b"type": b"book", b"v": b"1", b"src": b"feed-book", b"body": body})


def read_all(root: Path) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for path in sorted(root.rglob("*.jsonl.gz"))
        for line in gzip.decompress(path.read_bytes()).splitlines()
    ]


def test_a_line_keeps_the_header_fields_as_text_and_the_body_bytes_exactly() -> None:
    record = entry("book.btc", T0, body=bytes(range(256)))

    back = decode_line(encode_line(record))

    assert back == record
    assert json.loads(encode_line(record))["fields"]["src"] == "feed-book"


def test_flushed_entries_are_read_back_by_gzip_and_json(tmp_path: Path) -> None:
    files = StreamFiles(tmp_path, rotate_bytes=1 << 20)
    for i in range(5):
        files.append(entry("book.btc", T0 + i))
    files.flush()
    files.append(entry("book.btc", T0 + 5))
    files.flush()

    lines = read_all(tmp_path)

    assert [line["id"] for line in lines] == [f"{T0 + i}-0" for i in range(6)]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.gz")) == [
        "2026-12-06/book.btc.10.000.jsonl.gz"
    ]


def test_a_new_utc_hour_or_a_full_file_starts_the_next_file(tmp_path: Path) -> None:
    files = StreamFiles(tmp_path, rotate_bytes=1_024)
    for i in range(300):
        files.append(entry("ref.btc", T0 + i * 10, body=bytes([i % 256]) * 40))
        if i % 50 == 49:
            files.flush()
    files.append(entry("ref.btc", T0 + HOUR_MS))
    files.flush()

    names = sorted(p.name for p in tmp_path.rglob("*.gz"))

    assert names[0] == "ref.btc.10.000.jsonl.gz" and len([n for n in names if ".10." in n]) > 1
    assert names[-1] == "ref.btc.11.000.jsonl.gz"
    assert [line["id"] for line in read_all(tmp_path)][-1] == f"{T0 + HOUR_MS}-0"
    assert len(read_all(tmp_path)) == 301


def test_a_torn_last_member_is_cut_off_on_reopen_and_the_last_whole_id_recovered(tmp_path: Path) -> None:
    # Arrange: two whole flushes, then half of a third (a SIGKILL in the middle of the write)
    files = StreamFiles(tmp_path, rotate_bytes=1 << 20)
    for i in range(3):
        files.append(entry("fills", T0 + i))
    files.flush()
    files.append(entry("fills", T0 + 3))
    files.flush()
    path = next(tmp_path.rglob("*.gz"))
    whole = path.stat().st_size
    torn = gzip.compress(encode_line(entry("fills", T0 + 4)) + encode_line(entry("fills", T0 + 5)))
    with path.open("ab") as f:
        f.write(torn[: len(torn) // 2])

    # Act
    reopened = StreamFiles(tmp_path, rotate_bytes=1 << 20)
    last = reopened.recover("fills")

    # Assert: the torn tail is gone, the file reads cleanly, and the next entry follows the last whole one
    assert last == (T0 + 3, 0)
    assert path.stat().st_size == whole
    assert reopened.is_duplicate(entry("fills", T0 + 3)) and not reopened.is_duplicate(entry("fills", T0 + 4))
    reopened.append(entry("fills", T0 + 4))
    reopened.flush()
    assert [line["id"] for line in read_all(tmp_path)] == [f"{T0 + i}-0" for i in range(5)]


def test_a_file_holding_only_a_torn_member_is_removed_and_the_last_id_comes_from_the_file_before(
    tmp_path: Path,
) -> None:
    files = StreamFiles(tmp_path, rotate_bytes=1 << 20)
    files.append(entry("exec", T0))
    files.flush()
    nxt = tmp_path / "2026-12-06" / "exec.11.000.jsonl.gz"
    nxt.write_bytes(gzip.compress(encode_line(entry("exec", T0 + HOUR_MS)))[:-3])

    last = StreamFiles(tmp_path, rotate_bytes=1 << 20).recover("exec")

    assert last == (T0, 0)
    assert not nxt.exists()


def test_a_stream_never_recorded_starts_from_nothing(tmp_path: Path) -> None:
    assert StreamFiles(tmp_path, rotate_bytes=1 << 20).recover("markets") == NO_ID


def test_streams_with_dotted_names_do_not_take_each_other_s_files(tmp_path: Path) -> None:
    files = StreamFiles(tmp_path, rotate_bytes=1 << 20)
    files.append(entry("book.btc", T0 + 1))
    files.append(entry("book.btc.x", T0 + 9))
    files.flush()

    assert StreamFiles(tmp_path, rotate_bytes=1 << 20).recover("book.btc") == (T0 + 1, 0)


def test_whole_members_of_an_intact_file_span_it_all(tmp_path: Path) -> None:
    path = tmp_path / "f.gz"
    path.write_bytes(gzip.compress(b"a\n") + gzip.compress(b"b\n" * 100_000))

    good, last = whole_members(path)

    assert good == path.stat().st_size
    assert last == b"b\n" * 100_000


def test_days_past_retention_are_deleted_and_others_kept(tmp_path: Path) -> None:
    for day in ("2026-11-20", "2026-11-29", "2026-12-06", "notes"):
        (tmp_path / day).mkdir()

    gone = delete_older_than(tmp_path, 7, date(2026, 12, 6))

    assert gone == ["2026-11-20"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-11-29", "2026-12-06", "notes"]


def test_include_and_exclude_prefixes_choose_the_streams() -> None:
    assert wanted("book.btc", ("",), ())
    assert not wanted("hb", ("",), ("hb",))
    assert wanted("fills", ("fills", "book."), ("book.eth",))
    assert not wanted("book.eth", ("fills", "book."), ("book.eth",))
