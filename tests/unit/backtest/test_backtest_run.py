"""``updown backtest`` end to end on a small recording in the recorder's format."""

from __future__ import annotations

from pathlib import Path

import pytest

from backtest.cli import main
from backtest.engine import Params, replay
from backtest.recording import load
from backtest.scorecard import scorecard
from backtest.venue import QueueModel
from tests.unit.backtest.synthetic import write


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("record"))


def test_the_same_recording_and_parameters_give_the_same_report_byte_for_byte(
    recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for run in ("a", "b"):
        assert main([str(recorded), "--out", str(tmp_path / run), "--set", "baseline.levels=2"]) == 0
        printed = capsys.readouterr().out.replace(str(tmp_path / run), "OUT")
        files = {p.name: p.read_bytes() for p in sorted((tmp_path / run).iterdir())}
        outputs.append((printed, files))

    assert outputs[0] == outputs[1]
    assert sorted(outputs[0][1]) == ["equity.csv", "fills.csv", "markout_buckets.csv", "report.html", "totals.csv",
                                     "windows.csv"]  # fmt: skip
    assert "== totals (settled windows) ==" in outputs[0][0]


def test_every_strategy_trades_and_each_windows_pnl_parts_add_up_to_its_cash(recorded: Path) -> None:
    recording = load(recorded)
    for name in ("quoter", "bands", "touch"):
        run = replay(recording, name, Params())
        card = scorecard(run)
        settled = [(m, s) for m, s in card.rows if not m.unsettled]

        assert [m.settlement.how for m, _ in settled] == ["twap", "twap"], name
        assert run.fills, name
        for m, score in settled:
            assert score.pnl_micro == m.book.cash_micro + m.rebate_micro + m.reward_micro, (name, m.record.slug)


def test_top_of_book_data_fills_only_through_our_price_never_at_it(recorded: Path) -> None:
    run = replay(load(recorded), "touch", Params(queue=QueueModel.TOP))

    assert run.fills
    assert {f.cause for f in run.fills} <= {"trade_through", "cross"}


def test_an_unknown_setting_is_refused_with_the_reason(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(recorded), "--set", "quoter.nope=1", "--out", "/nonexistent"]) == 2
    assert "--set quoter.nope = '1': unknown parameter here" in capsys.readouterr().err


def test_a_sweep_runs_every_combination_and_ranks_them_by_pnl(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(recorded), "--strategy", "bands", "--sweep", "baseline.half_width_micro=10000,30000",
            "--sweep", "baseline.levels=1,2", "--test", str(recorded)]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    ranked = [line for line in out.splitlines() if line[:1].isdigit()]

    assert len(ranked) == 4 + 2  # the grid, then the best and the defaults on the test recording
    pnls = [float(line.split()[3]) for line in ranked[:4]]
    assert pnls == sorted(pnls, reverse=True)
    assert "walk-forward: chosen on" in out


def test_a_span_of_the_recording_is_replayed_alone(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.unit.backtest.synthetic import T0

    recording = load(recorded, T0, T0 + 30_000)
    assert recording.entries and all(T0 <= e.ms < T0 + 30_000 for e in recording.entries)
    assert main([str(recorded), "--from", "2026-12-07T01:00:00", "--to", "bad", "--out", "/nonexistent"]) == 2
    assert "not a time: 'bad'" in capsys.readouterr().err


def test_the_recorded_bots_own_fills_are_scored_once_each_like_a_strategys(recorded: Path) -> None:
    card = scorecard(replay(load(recorded), "recorded", Params()))
    first, score = card.rows[0]

    # One maker BUY of 10 Up at 0.49 (recorded at MATCHED and CONFIRMED); Up won: 10 x (1 - 0.49).
    assert (score.fills, score.shares_micro, score.fees_micro) == (1, 10_000_000, 0)
    assert first.book.cash_micro == 5_100_000
    assert score.pnl_micro == 5_100_000 + first.rebate_micro


def test_two_processes_with_different_hash_seeds_write_the_same_files(recorded: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        subprocess.run([sys.executable, "-m", "cli.main", "backtest", str(recorded), "--out", str(tmp_path / seed)],
                       check=True, capture_output=True, env=env, cwd=root, timeout=300)  # fmt: skip
    first, second = (sorted((tmp_path / s).iterdir()) for s in ("1", "2"))
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
