"""The window loss limit in a backtest of the calibrated emulator: no settled window of the quoter
loses more than ``[risk] window_loss_limit_usd`` plus the slippage allowance, where the quoter
without the limit (``quoter-v1``) does.

The allowance: the quoter's budget holds every bid of an outcome to the room under the limit as if
all of them filled, so a fill cannot by itself carry the window past it. What can: the executor's
churn tolerance keeps a live order whose size is within ``churn_min_size_change_ppm`` (20%) of the
desired one, so the live bids of an outcome may be up to 20% larger than the budget granted; and a
taker's fee (completions, complete sets) is paid on top of the price the budget counted. Hence
20% of the limit plus the taker fees the window paid.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from backtest.cli import main as backtest
from cli.sim_record.command import main as sim_record
from common.strategy.quoter import QuoterConfig

pytestmark = pytest.mark.slow

MICRO = 1_000_000
LIMIT_USD = 4
ALLOWANCE_PPM = QuoterConfig().churn_min_size_change_ppm


def test_no_window_loses_more_than_the_limit_plus_the_allowance(tmp_path: Path) -> None:
    assert sim_record(["--minutes", "6.5", "--series", "btc-60s", "--seed", "3", "--out", str(tmp_path / "rec")]) == 0
    out = tmp_path / "bt"
    assert backtest([str(tmp_path / "rec"), "--strategy", "quoter,quoter-v1", "--out", str(out),
                     "--set", f"quoter.window_loss_limit_usd={LIMIT_USD}"]) == 0  # fmt: skip
    with (out / "windows.csv").open() as f:
        settled = [w for w in csv.DictReader(f) if w["settled"] == "1"]
    quoter = [w for w in settled if w["strategy"] == "quoter"]
    assert len(quoter) >= 5 and sum(int(w["fills"]) for w in quoter) > 0
    for w in quoter:
        allowance = LIMIT_USD * ALLOWANCE_PPM + int(w["fees_micro"])
        assert int(w["pnl_micro"]) >= -(LIMIT_USD * MICRO + allowance), w["window"]
    # the same windows without the limit: some lose far more (the test is not vacuous)
    assert min(int(w["pnl_micro"]) for w in settled if w["strategy"] == "quoter-v1") < -3 * LIMIT_USD * MICRO
