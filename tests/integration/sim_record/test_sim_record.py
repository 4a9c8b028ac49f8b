"""``updown sim record``: the calibrated emulator's market, with no bot, recorded as feed-book,
feed-ref and discovery would have written it, read back by ``read_recording`` and replayed by
``updown backtest``, whose quoter quotes and is filled; the same seed writes the same files.

60-second windows keep it short: 3.5 emulator minutes hold three whole windows.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from backtest.cli import main as backtest
from cli.sim_record.command import main as sim_record
from cli.sim_record.run import SimRecording
from common.bus.codec import decode
from common.schemas.base import load_all
from common.schemas.book import BestBidAsk, BookDelta, BookSnapshot, LastTrade
from common.schemas.market import MarketLifecycle, MarketRecord
from common.schemas.ref import RefTick
from sim.cli import parse_series
from sim.world.config import ResolutionRule
from workers.recorder.reading import read_recording

pytestmark = pytest.mark.slow

ARGS = ["--minutes", "3.5", "--series", "btc-60s", "--seed", "7"]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.jsonl.gz"))}


def test_a_seeded_recording_is_read_back_and_backtested_and_the_same_seed_writes_the_same_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim_record([*ARGS, "--out", str(tmp_path / "a")]) == 0
    assert sim_record([*ARGS, "--out", str(tmp_path / "b")]) == 0
    assert sim_record([*ARGS, "--out", str(tmp_path / "a")]) == 2  # never appends to a recording
    capsys.readouterr()
    files = _files(tmp_path / "a")
    assert files and files == _files(tmp_path / "b")

    load_all()
    bodies: Counter[str] = Counter()
    sources, phases, printed_tokens = set(), set(), set()
    deep = strikes = 0
    for record in read_recording(tmp_path / "a", lambda s: True, 0, None):
        body = decode(record.fields, record.id).body
        bodies[f"{record.stream} {type(body).__name__}"] += 1
        if isinstance(body, RefTick):
            sources.add(body.source)
        elif isinstance(body, MarketRecord):
            strikes += body.strike_e18 is not None
            assert body.settlement.kind == "twap"
        elif isinstance(body, MarketLifecycle):
            phases.add(body.phase)
        elif isinstance(body, BookSnapshot):
            deep += len(body.bids) > 1 and len(body.asks) > 1
        elif isinstance(body, LastTrade):
            assert body.size_micro > 0
            printed_tokens.add(body.asset_id)
    assert sources == {"chainlink", "binance", "chainlink_twap60"}
    assert {"discovered", "open", "closing", "closed", "resolved"} <= phases
    assert strikes >= 3 and deep > 0
    assert len(printed_tokens) >= 6  # prints with sizes on both tokens of each window
    for kind in (BookDelta, BestBidAsk, LastTrade):
        assert bodies[f"book.btc-updown-60s {kind.__name__}"] > 0

    assert backtest([str(tmp_path / "a"), "--strategy", "quoter", "--out", str(tmp_path / "bt")]) == 0
    printed = capsys.readouterr().out
    assert "full depth: queue position by displayed size" in printed
    with (tmp_path / "bt" / "windows.csv").open() as f:
        settled = [w for w in csv.DictReader(f) if w["settled"] == "1"]
    assert len(settled) >= 3
    assert sum(int(w["placed_micro"]) for w in settled) > 0
    assert sum(int(w["fills"]) for w in settled) > 0


def test_the_books_feed_book_keeps_agree_with_the_venue_at_every_change() -> None:
    """Every delta is applied to a book its snapshot opened, and the top it leaves is the venue's."""
    (series,) = parse_series("btc-60s", None, ResolutionRule.TWAP)
    run = SimRecording(2.0, 3, series)
    entries = sum(1 for _ in run.entries())
    counts = run.book.keeper.counts
    assert entries > 0 and counts["deltas"] > 0 and counts["snapshots"] > 0
    assert counts["dropped_unsynced_delta"] == 0
    assert counts["venue_top_mismatch"] == 0
