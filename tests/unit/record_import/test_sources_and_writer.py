"""The command's edges: what it refuses (a wrong path, an unknown kind, writing where the data is
or over a recording) and the ids it makes, which grow within a stream as Redis's do."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from cli.record_import.command import main
from cli.record_import.entry import parse_time
from cli.record_import.sources import Kind, SourceError, find_sources, kind_of
from cli.record_import.write import IdMaker
from common.bus.codec import decode
from common.schemas.base import load_all
from common.schemas.ref import RefTick
from workers.recorder.reading import read_recording

load_all()

PRICES = (
    "feed_ts_ms,value,full_accuracy_value,server_ts_ms,recv_ms\n"
    "1780876800000,63304.2,63304200301195075000000,1780876800939,1780876801156\n"
    "1780876801000,63304.4,63304461207965530000000,1780876802380,1780876802619\n"
    "1780876801000,63304.5,63304500000000000000000,1780876802380,1780876802619\n"
)


def prices_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "BTCUSD-prices-2026-06-08.csv.gz"
    path.write_bytes(gzip.compress(PRICES.encode()))
    return path


def test_a_path_that_does_not_exist_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.csv"), "--out", str(tmp_path / "out")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_a_file_of_no_known_kind_is_a_clear_error_naming_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = tmp_path / "notes.csv"
    odd.write_text("a,b,c\n1,2,3\n")
    assert main([str(odd), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "unknown kind of file" in err and "known kinds: chainlink prices" in err
    assert not (tmp_path / "out").exists()


def test_a_folder_imports_what_it_knows_and_lists_the_rest_as_skipped(tmp_path: Path) -> None:
    prices_file(tmp_path / "data")
    (tmp_path / "data" / "readme.txt").write_text("hello\n")
    sources, skipped = find_sources([tmp_path / "data"])
    assert [s.kind for s in sources] == [Kind.CHAINLINK_PRICES]
    assert len(skipped) == 1 and "readme.txt" in skipped[0]


def test_a_folder_with_nothing_known_in_it_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x\n")
    with pytest.raises(SourceError, match="no file of a known kind"):
        find_sources([tmp_path])


def test_the_kind_is_told_by_the_content_not_the_name(tmp_path: Path) -> None:
    renamed = tmp_path / "whatever.gz"
    renamed.write_bytes(gzip.compress(PRICES.encode()))
    assert kind_of(renamed) is Kind.CHAINLINK_PRICES


def test_it_never_writes_inside_the_folder_of_its_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = prices_file(tmp_path / "shared" / "data" / "chainlink")
    for out in (tmp_path / "shared" / "data" / "chainlink" / "rec", tmp_path / "shared" / "rec"):
        assert main([str(source), "--out", str(out)]) == 2
        assert "where the sources are" in capsys.readouterr().err
        assert not out.exists()
    assert main([str(source), "--out", str(tmp_path / "rec")]) == 0


def test_it_never_appends_to_an_existing_recording(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = prices_file(tmp_path / "data")
    assert main([str(source), "--out", str(tmp_path / "out")]) == 0
    assert main([str(source), "--out", str(tmp_path / "out")]) == 2
    assert "already holds a recording" in capsys.readouterr().err


def test_the_prices_become_ref_ticks_with_the_sources_own_stamps_read_back_by_the_recorders_reader(
    tmp_path: Path,
) -> None:
    assert main([str(prices_file(tmp_path / "data")), "--out", str(tmp_path / "out")]) == 0
    records = list(read_recording(tmp_path / "out"))
    assert [r.id for r in records] == ["1780876801156-0", "1780876802619-0", "1780876802619-1"]
    envs = [decode(r.fields, r.id) for r in records]
    assert all(isinstance(e.body, RefTick) and e.src == "feed-ref" and e.key == "chainlink" for e in envs)
    assert [e.event_ms for e in envs] == [1780876800000, 1780876801000, 1780876801000]
    assert [e.ingest_ms for e in envs] == [1780876801156.0, 1780876802619.0, 1780876802619.0]
    # the correction of a second comes after what it corrects, as received
    assert [e.body.value_e18 for e in envs][1:] == [63304461207965530000000, 63304500000000000000000]  # type: ignore[attr-defined]


def test_from_and_to_keep_a_span_of_the_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = prices_file(tmp_path / "data")
    assert main([str(source), "--out", str(tmp_path / "out"), "--from", "1780876802000", "--to", "1780876802619"]) == 1
    assert "nothing to write" in capsys.readouterr().err
    assert main([str(source), "--out", str(tmp_path / "o2"), "--from", "1780876802", "--to", "1780876803"]) == 0
    assert [r.id for r in read_recording(tmp_path / "o2")] == ["1780876802619-0", "1780876802619-1"]


def test_times_are_unix_seconds_or_ms_or_iso_in_utc_unless_it_names_a_zone() -> None:
    assert parse_time("2026-06-08T10:00") == parse_time("1780912800") == parse_time("1780912800000")
    assert parse_time("2026-06-08T12:00+02:00") == 1780912800000
    with pytest.raises(ValueError, match="not a time"):
        parse_time("yesterday")


def test_ids_grow_within_a_stream_when_times_tie_or_go_back_and_each_stream_counts_its_own() -> None:
    ids = IdMaker()
    made = [ids.next("a", 10), ids.next("a", 10), ids.next("b", 10), ids.next("a", 9), ids.next("a", 11)]
    assert made == ["10-0", "10-1", "10-0", "10-2", "11-0"]


def test_updown_record_import_runs_the_import_and_a_missing_verb_shows_the_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main as updown

    assert updown(["record", "import", str(prices_file(tmp_path / "data")), "--out", str(tmp_path / "out")]) == 0
    assert "record import: 3 entries in 1 streams" in capsys.readouterr().out
    assert updown(["record"]) == 2
    assert "updown record import SRC..." in capsys.readouterr().err
