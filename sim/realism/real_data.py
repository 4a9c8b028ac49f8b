"""The real figures, read from the recorded data at run time (``../shared/data``, see its README).

Each reader returns the inputs of ``sim.realism.stats``; nothing here is copied from the files.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.realism.stats import (
    EPS,
    THINNING_OFFSETS_S,
    THINNING_PRICE,
    THINNING_SHARES,
    BookSample,
    LadderSide,
    favourite_fillable,
    share_true,
)

#: The shared data folder: ``UPDOWN_SHARED_DATA``, else ``../shared/data`` beside the checkout.
DEFAULT_DATA_DIR = Path(os.environ.get("UPDOWN_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
BBO_GLOB = "polymarket-bbo/market_data_*.csv"
OUTCOMES = "pm-bbo-60s-aug2026/outcomes.csv.gz"
LADDER = "pm-btc5m-ladder-jul2026/ladder.jsonl.gz"
RTDS_DIR = "rtds-chainlink-binance-oct2025"


def bbo_samples(data: Path) -> list[BookSample]:
    """Every row of the per-second BTC 15-minute books (rows with a side missing stay, as invalid)."""
    out = []
    for path in sorted(data.glob(BBO_GLOB)):
        with open(path, newline="") as fh:
            for row in csv.DictReader(fh):
                ts = datetime.fromisoformat(row["Timestamp"])
                end = datetime.fromisoformat(row["Expiration"])
                out.append(BookSample(int(ts.timestamp()), row["Expiration"], (end - ts).total_seconds(),
                                      float(row["UpBid"]), float(row["UpAsk"]),
                                      float(row["DownBid"]), float(row["DownAsk"])))  # fmt: skip
    return out


def market_volumes(data: Path, window_minutes: int) -> list[float]:
    """Gamma's volume of every recorded BTC market of this window length (``outcomes.csv.gz``)."""
    marker = f"-{window_minutes}m-"
    with gzip.open(data / OUTCOMES, "rt", newline="") as fh:
        return [float(r["volume"]) for r in csv.DictReader(fh) if marker in r["slug"] and r["volume"]]


def _side(book: dict[str, Any]) -> LadderSide:
    return LadderSide(book.get("bid"), book.get("vwap5"))


def thinning(data: Path) -> dict[int, float]:
    """Share of 5-minute windows whose favourite is fillable (5 shares under 0.99) at each offset."""
    flags: dict[int, list[bool]] = {o: [] for o in THINNING_OFFSETS_S}
    with gzip.open(data / LADDER, "rt") as fh:
        for line in fh:
            for sample in json.loads(line)["samples"]:
                if sample["offset"] in flags:
                    flags[sample["offset"]].append(favourite_fillable(_side(sample["up"]), _side(sample["down"])))
    return {o: share_true(f) for o, f in flags.items()}


def book_thinning(data: Path) -> dict[int, float]:
    """The same share for the 15-minute windows of the per-second books: the favourite (higher bid)
    is fillable when its best ask is under 0.99 with at least 5 of liquidity behind it."""
    flags: dict[int, dict[str, bool]] = {o: {} for o in THINNING_OFFSETS_S}
    for path in sorted(data.glob(BBO_GLOB)):
        with open(path, newline="") as fh:
            for row in csv.DictReader(fh):
                left = datetime.fromisoformat(row["Expiration"]) - datetime.fromisoformat(row["Timestamp"])
                offset = int(left.total_seconds())
                if offset not in flags or left.total_seconds() != offset or row["Expiration"] in flags[offset]:
                    continue
                fav = "Up" if float(row["UpBid"] or 0) >= float(row["DownBid"] or 0) else "Down"
                ask, depth = float(row[f"{fav}Ask"] or 0), float(row[f"{fav}AskLiquidity"] or 0)
                flags[offset][row["Expiration"]] = 0 < ask < THINNING_PRICE - EPS and depth >= THINNING_SHARES
    return {o: share_true(list(f.values())) for o, f in flags.items()}


def rtds_series(data: Path, topic_file: str, symbol: str) -> tuple[dict[int, float], list[int]]:
    """Per-second values of one RTDS symbol (by payload stamp) and each message's relay delay (ms)."""
    series: dict[int, float] = {}
    delays: list[int] = []
    with gzip.open(data / RTDS_DIR / topic_file, "rt") as fh:
        for line in fh:
            msg = json.loads(line)
            payload = msg.get("payload") or {}
            if payload.get("symbol") != symbol:
                continue
            series[int(payload["timestamp"]) // 1000] = float(payload["value"])
            delays.append(int(msg["timestamp"]) - int(payload["timestamp"]))
    return series, delays


def oracle_and_lead(data: Path) -> tuple[dict[int, float], dict[int, float], list[int], list[int]]:
    """BTC's Chainlink and Binance per-second series from RTDS, with their relay delays."""
    oracle, oracle_delays = rtds_series(data, "chainlink_crypto_prices_2025-10-29.jsonl.gz", "btc/usd")
    lead, lead_delays = rtds_series(data, "binance_crypto_prices_2025-10-29.jsonl.gz", "btcusdt")
    return oracle, lead, oracle_delays, lead_delays
