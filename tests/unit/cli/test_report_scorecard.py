"""``updown report --scorecard``: the recorded run's own fills through the backtest's scorecard."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.report import main
from tests.unit.backtest.synthetic import write


def test_the_scorecard_of_a_recorded_run_is_printed_and_written(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                ) -> None:  # fmt: skip
    recording = write(tmp_path / "record")
    assert main(["--scorecard", str(recording), "--out", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert "== recorded ==" in out and "== totals (settled windows) ==" in out
    assert (tmp_path / "report" / "report.html").is_file() and (tmp_path / "report" / "windows.csv").is_file()


def test_a_folder_without_a_recording_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scorecard", str(tmp_path / "nothing"), "--out", str(tmp_path / "report")]) == 2
    assert "is not a folder" in capsys.readouterr().err
