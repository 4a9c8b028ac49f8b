"""``python -m backtest.markouts``: maker fills' markouts by time left and distance, and the fitted table."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from backtest.markouts import TIME_LEFT_BOUNDS_S, main, time_left_s

FILLS = ["strategy", "window", "at_ms", "outcome", "side", "price_micro", "size_micro", "maker", "mid_micro",
         "spread_per_share_micro", "markout_30s_per_share_micro", "markout_5s_per_share_micro"]  # fmt: skip
START_S = 1_790_000_100
SLUG = f"btc-updown-15m-{START_S}"


def _fill(left_s: int, size: int, spread: int, markout: int, maker: int = 1, strategy: str = "quoter") -> dict:
    return {"strategy": strategy, "window": SLUG, "at_ms": (START_S + 900 - left_s) * 1000, "outcome": "UP",
            "side": "BUY", "price_micro": 400_000, "size_micro": size, "maker": maker, "mid_micro": 420_000,
            "spread_per_share_micro": spread, "markout_30s_per_share_micro": markout,
            "markout_5s_per_share_micro": 0}  # fmt: skip


def test_time_left_comes_from_the_slug() -> None:
    assert time_left_s(SLUG, (START_S + 840) * 1000) == 60
    assert time_left_s("eth-updown-5m-100", 150_000) == 250


def test_the_fitted_half_spread_is_the_adverse_selection_less_the_rebate_inside_floor_and_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bt"
    out.mkdir()
    fills = [_fill(30, 10_000_000, 20_000, -30_000), _fill(30, 30_000_000, 10_000, -10_000),  # last minute: −15,000
             _fill(600, 10_000_000, 20_000, -2_000),  # the first half: below the floor
             _fill(100, 5_000_000, 20_000, -90_000),  # ≤180 s: above the cap
             _fill(300, 10_000_000, 20_000, -90_000, maker=0),  # a taker's: left out
             _fill(300, 10_000_000, 20_000, -90_000, strategy="touch")]  # another strategy's  # fmt: skip
    with (out / "fills.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, FILLS)
        writer.writeheader()
        writer.writerows(fills)
    with (out / "windows.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, ["strategy", "settled", "rebate_micro", "maker_filled_micro"])
        writer.writeheader()
        writer.writerow({"strategy": "quoter", "settled": 1, "rebate_micro": 50_000, "maker_filled_micro": 50_000_000})
    written = tmp_path / "half_spread.toml"

    assert main([str(out), "--write", str(written)]) == 0
    assert "maker rebate per filled share: 0.0010" in capsys.readouterr().out
    lines = written.read_text().splitlines()
    assert lines[0] == "[strategy.quoter]" and 'half_spread_source = "measured"' in lines
    # ≤60 s: 15,000 − 1,000 rebate; ≤180: capped at 50,000; ≤450: no fills, the cap; ≤900: the floor
    assert f"measured_time_left_s = [{', '.join(f'{b:_}' for b in TIME_LEFT_BOUNDS_S)}]" in lines
    assert "measured_half_spread_micro = [14_000, 50_000, 50_000, 10_000]" in lines
    assert main([str(tmp_path / "none")]) == 2
