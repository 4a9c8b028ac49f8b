"""Reading the recorded Chainlink prices and 5-minute markets for the calibration report."""

from __future__ import annotations

import csv
import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

#: The shared data folder beside the checkout; ``UPDOWN_SHARED_DATA`` overrides it.
DEFAULT_DATA_DIR = Path(os.environ.get("UPDOWN_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
#: Exact prices in the files are integers scaled by 1e18.
PRICE_SCALE = 10**18


@dataclass(frozen=True, slots=True)
class Tick:
    second: int
    recv_ms: int
    #: The exact price, scaled by 1e18.
    exact: int

    @property
    def price(self) -> float:
        return self.exact / PRICE_SCALE


@dataclass(frozen=True, slots=True)
class RecordedMarket:
    slug: str
    start_s: int
    end_s: int
    #: ``priceToBeat`` scaled by 1e18 (None when not recorded).
    strike_exact: int | None
    #: The venue's settled outcome: True when Up won, None when unresolved.
    up_won: bool | None


def load_ticks(path: Path) -> list[Tick]:
    """All ticks in receive order; a later tick for the same second is a correction."""
    with gzip.open(path, "rt", newline="") as f:
        ticks = [
            Tick(int(row["feed_ts_ms"]) // 1000, int(row["recv_ms"]), int(row["full_accuracy_value"]))
            for row in csv.DictReader(f)
        ]
    ticks.sort(key=lambda t: (t.recv_ms, t.second))
    return ticks


def settled_prices(ticks: list[Tick]) -> dict[int, int]:
    """The final exact price of every second (the latest received tick of that second wins)."""
    final: dict[int, tuple[int, int]] = {}
    for t in ticks:
        seen = final.get(t.second)
        if seen is None or t.recv_ms >= seen[0]:
            final[t.second] = (t.recv_ms, t.exact)
    return {second: exact for second, (_, exact) in final.items()}


def load_markets(path: Path) -> list[RecordedMarket]:
    markets = []
    with gzip.open(path, "rt") as f:
        for line in f:
            if not line.strip():
                continue
            m = json.loads(line)
            prices = m.get("outcome_prices")
            up_won = None
            if m.get("resolved") and prices in (["1", "0"], ["0", "1"]):
                up_won = prices == ["1", "0"]
            strike = m.get("strike_value")
            markets.append(
                RecordedMarket(
                    m["slug"],
                    int(m["start_sec"]),
                    int(m["end_sec"]),
                    int(strike) if strike is not None else None,
                    up_won,
                )
            )
    markets.sort(key=lambda m: m.end_s)
    return markets


def data_files(data_dir: Path, date: str) -> tuple[Path, Path]:
    folder = data_dir / "chainlink"
    return folder / f"BTCUSD-prices-{date}.csv.gz", folder / f"BTC-5m-markets-{date}.jsonl.gz"
