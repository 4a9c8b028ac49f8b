"""The whole bot on a Protocol V2 series (``[sim] v2_series``), with the emulator's chain: its orders
are signed for ExchangeV3 (the emulator refuses any other signature on a V2 market), the merger
merges full sets (and redeems winners) through the Router and the PositionManager, and at the end
the ledger equals the emulator's record to the micro-unit. ``updown soak`` without kills or faults
runs it and does the checks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
#: Two 60-s windows and the first one's resolution: time for merges during a window and a redeem.
RUN = ("--minutes", "2.5", "--kill-every", "0", "--faults", "none")


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(480)
def test_a_protocol_v2_series_trades_merges_and_ends_with_the_ledger_equal_to_the_venue(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL" and not k.startswith("UPDOWN_")}
    env["UPDOWN_SIM__V2_SERIES"] = '["btc-60s"]'
    out = tmp_path / "run.log"
    with open(out, "wb") as log:
        done = subprocess.run([sys.executable, "-m", "cli.main", "soak", *RUN], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, timeout=450)  # fmt: skip
    text = out.read_text(errors="replace")
    tail = "\n".join(line for line in text.splitlines() if not line.startswith("bus_hop"))[-6000:]

    assert done.returncode == 0, tail
    assert re.search(r"cash: ledger ([\d,.]+)\s+emulator \1\s+difference \+0\.000000", text), tail
    assert re.search(r"token positions: \d+ held, 0 differ", text), tail
    posted = re.search(r"TOTAL \(\d+ windows?\)\s+(\d+)", text)
    assert posted and int(posted.group(1)) > 0, tail  # orders accepted on V2 markets: signed for ExchangeV3
    recycled = re.search(r"capital recycled: [\d.,]+ pUSD back as collateral during the run \(([\d.,]+) merged", text)
    assert recycled and float(recycled.group(1).replace(",", "")) > 0, tail  # merged through the Router
    merger_log = (ROOT / "var" / "log" / "merger.log").read_text(errors="replace")
    assert "v2_market_not_recycled" not in merger_log and '"event":"merged"' in merger_log
