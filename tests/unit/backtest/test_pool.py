"""``python -m backtest.pool``: settled windows of several backtests pooled, mean per window."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from backtest.pool import PARTS, main

COLUMNS = ["strategy", "window", "settled", "fills", "pnl_micro", "largest_unpaired_micro", *[c for _, c in PARTS]]


def _write(out: Path, rows: list[dict[str, object]]) -> None:
    out.mkdir()
    with (out / "windows.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, restval="0")
        writer.writeheader()
        writer.writerows(rows)


def test_windows_of_several_backtests_are_pooled_and_open_ones_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path / "a", [{"strategy": "quoter", "window": "btc-updown-15m-100", "settled": 1, "fills": 2,
                             "pnl_micro": 3_000_000, "largest_unpaired_micro": 5_000_000, "spread_micro": 1_000_000},
                            {"strategy": "quoter", "window": "btc-updown-15m-1000", "settled": 0, "fills": 9,
                             "pnl_micro": -99_000_000}])  # fmt: skip
    _write(tmp_path / "b", [{"strategy": "quoter", "window": "btc-updown-15m-100", "settled": 1, "fills": 4,
                             "pnl_micro": -1_000_000, "largest_unpaired_micro": 7_000_000, "spread_micro": 3_000_000},
                            {"strategy": "touch", "window": "btc-updown-15m-200", "settled": 1, "fills": 1,
                             "pnl_micro": 1}])  # fmt: skip

    assert main([str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    head, row = capsys.readouterr().out.splitlines()[1:3]
    values = dict(zip(head.split(), row.split(), strict=True))
    assert values["windows"] == "2" and values["fills/w"] == "3.0"
    assert values["PnL/w"] == "1.00" and values["±se"] == "2.00" and values["worst"] == "-1.00"
    assert values["spread"] == "2.00" and values["max_unp"] == "7.00"
    assert main([str(tmp_path / "nothing")]) == 2

    assert main(["--skip-first", "1", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    # each folder's first window (100) is left out: only the touch window of b is left
    assert [line.split()[:2] for line in capsys.readouterr().out.splitlines()[2:3]] == [["touch", "1"]]
