"""Real top-of-book data through the backtest: two hours of a recorded BTC 15-minute book.

``polymarket-bbo/market_data_20260101.csv`` (one row a second of both tokens' best bid and ask,
nothing else), imported by ``updown record import`` and replayed by ``updown backtest``: with no
depth and no prints the only fill is the opposite best reaching our price, the windows settle by
their decided last mid (no outcome in the data), and the quoter, with no reference prices, does not
quote. The same import replayed twice writes the same files.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from backtest.cli import main as backtest
from cli.record_import.command import main as record_import
from tests.shared_data import SHARED_DATA, needs_shared_data

pytestmark = needs_shared_data

#: Two hours of the recorded day: eight 15-minute windows, the last ending with the span (left open:
#: its end is not in the recording), and the next one already discovered.
FROM, TO = "2026-01-01T17:00", "2026-01-01T19:00"


def test_a_real_bbo_recording_runs_through_the_backtest_with_trade_through_fills_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = SHARED_DATA / "polymarket-bbo" / "market_data_20260101.csv"
    assert record_import([str(source), "--out", str(tmp_path / "bbo"), "--from", FROM, "--to", TO]) == 0
    capsys.readouterr()

    for run in ("a", "b"):
        assert backtest([str(tmp_path / "bbo"), "--out", str(tmp_path / run)]) == 0
    printed = capsys.readouterr().out

    assert "top of book only" in printed and "no prints" in printed
    assert "2 left open (not recorded to the end), 7 settled by last_mid" in printed
    with (tmp_path / "a" / "fills.csv").open() as f:
        fills = list(csv.DictReader(f))
    assert {r["strategy"] for r in fills} == {"bands", "touch"}  # the quoter has no oracle: it never quotes
    assert {r["cause"] for r in fills} == {"cross"}
    for name in ("totals.csv", "windows.csv", "fills.csv", "report.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
