"""``python -m backtest.paired``: one strategy against another, or against itself under other
settings in another folder, window by window, and the fills by time left."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from backtest.paired import main

WINDOWS = ["strategy", "window", "settled", "fills", "pnl_micro", "spread_micro", "shares_micro"]
FILLS = ["strategy", "window", "at_ms", "size_micro", "maker", "spread_per_share_micro", "settle_per_share_micro"]
START_S = 1_790_000_100
SLUG = f"btc-updown-15m-{START_S}"
END_MS = (START_S + 900) * 1000


def _write(out: Path, windows: list[dict[str, object]], fills: list[dict[str, object]]) -> Path:
    out.mkdir()
    for name, columns, rows in (("windows.csv", WINDOWS, windows), ("fills.csv", FILLS, fills)):
        with (out / name).open("w", newline="") as f:
            writer = csv.DictWriter(f, columns, restval="0")
            writer.writeheader()
            writer.writerows(rows)
    return out


def window(strategy: str, pnl_usd: int, slug: str = SLUG, settled: int = 1) -> dict[str, object]:
    return {"strategy": strategy, "window": slug, "settled": settled, "fills": 1, "pnl_micro": pnl_usd * 1_000_000}


def fill(strategy: str, seconds_left: int, shares: int, per_share_micro: int) -> dict[str, object]:
    return {"strategy": strategy, "window": SLUG, "at_ms": END_MS - seconds_left * 1000, "maker": 1,
            "size_micro": shares * 1_000_000, "spread_per_share_micro": 0,
            "settle_per_share_micro": per_share_micro}  # fmt: skip


def test_one_strategy_under_two_settings_window_by_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = f"btc-updown-15m-{START_S + 900}"
    new = _write(tmp_path / "new", [window("quoter", 7), window("quoter", 1, other, settled=0)],
                 [fill("quoter", 600, 10, 80_000), fill("quoter", 100, 10, 20_000)])  # fmt: skip
    old = _write(tmp_path / "old", [window("quoter", 4), window("quoter", 9, other)],
                 [fill("quoter", 600, 10, 80_000), fill("quoter", 100, 30, -200_000)])  # fmt: skip

    assert main(["quoter", "quoter", f"{new},{old}"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "1 windows settled in both" in out[0]  # the window left open in the new run is left out
    assert out[1].split() == ["PnL", "7.00", "+3.00", "±", "0.00"]
    # 100 s left: 10 shares at +0.020 against 30 at −0.200; 600 s left: alike
    assert out[-2].split() == ["≤180", "A", "10", "+0.020", "B", "30", "-0.200"]
    assert out[-1].split() == ["≤900", "A", "10", "+0.080", "B", "10", "+0.080"]


def test_two_strategies_of_one_folder_and_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    both = _write(tmp_path / "both", [window("quoter", 2), window("quoter-v1", 5)], [])
    assert main(["quoter", "quoter-v1", str(both)]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:3] == ["PnL", "2.00", "-3.00"]
    assert main(["quoter", "quoter-v1", str(tmp_path / "nothing")]) == 2
    assert main(["quoter"]) == 2
