from tests.shared_data import SHARED_DATA, needs_shared_data
from workers.alpha import calibrate_fit
from workers.alpha.calibrate import HORIZONS_S, bootstrap_interval, calibrate, main
from workers.alpha.calibrate_scores import brier, log_loss, reliability


@needs_shared_data
def test_q_up_beats_a_coin_flip_and_the_fixed_volatility_model_at_every_horizon_on_2026_06_08():
    report = calibrate("2026-06-08", SHARED_DATA)
    assert report.markets_used >= 250
    assert report.markets_used + sum(report.excluded.values()) == report.markets_total
    for horizon in HORIZONS_S:
        s = report.scores[horizon]
        coin = [0.5] * len(s.outcomes)
        assert brier(s.model, s.outcomes) < brier(s.naive, s.outcomes) < brier(coin, s.outcomes), horizon
        assert log_loss(s.model, s.outcomes) < log_loss(s.naive, s.outcomes), horizon
        assert log_loss(s.model, s.outcomes) < log_loss(coin, s.outcomes), horizon


@needs_shared_data
def test_the_report_prints_a_row_per_horizon_and_the_exclusions_for_the_other_recorded_day(capsys):
    assert main(["--date", "2026-07-24", "--data-dir", str(SHARED_DATA)]) == 0
    out = capsys.readouterr().out
    assert "excluded" in out and "feed gap at the end" in out
    assert all(f"{h}s" in out for h in HORIZONS_S)


def test_a_day_without_recorded_data_is_reported_not_raised(tmp_path, capsys):
    assert main(["--date", "2026-01-01", "--data-dir", str(tmp_path)]) == 2
    assert "no recorded data" in capsys.readouterr().out


@needs_shared_data
def test_q_up_scores_below_the_realized_volatility_gbm_at_every_horizon_on_both_recorded_days():
    """The issue's bar for the fair value: a plain GBM with 300-s realized volatility."""
    for date in ("2026-06-08", "2026-07-24"):
        report = calibrate(date, SHARED_DATA)
        for horizon in HORIZONS_S:
            s = report.scores[horizon]
            assert brier(s.model, s.outcomes) < brier(s.gbm, s.outcomes), (date, horizon)
            assert log_loss(s.model, s.outcomes) < log_loss(s.gbm, s.outcomes), (date, horizon)


def test_the_bootstrap_interval_brackets_the_mean_and_shows_a_clear_improvement():
    outcomes = [1, 0] * 100
    better = [0.8 if y else 0.2 for y in outcomes]
    coin = [0.5] * len(outcomes)
    mean, lo, hi = bootstrap_interval(better, coin, outcomes, "brier")
    assert lo <= mean <= hi < 0 and abs(mean + 0.21) < 1e-12
    mean, lo, hi = bootstrap_interval(coin, coin, outcomes, "logloss")
    assert (mean, lo, hi) == (0.0, 0.0, 0.0)


def test_reliability_buckets_count_what_was_quoted_and_what_came_true():
    probs = [0.01, 0.03, 0.03, 0.5, 0.97, 1.0]
    outcomes = [0, 1, 0, 1, 1, 1]
    rows = {(lo, hi): (n, quoted, true) for lo, hi, n, quoted, true in reliability(probs, outcomes)}
    assert rows[(0.0, 0.02)] == (1, 0.01, 0.0)
    assert rows[(0.02, 0.05)] == (2, 0.03, 0.5)
    assert rows[(0.98, 1.0)] == (1, 1.0, 1.0)  # the top edge is inside the last bucket
    assert sum(n for n, _, _ in rows.values()) == len(probs)


@needs_shared_data
def test_the_tails_line_folds_both_tails_and_the_book_report_prints_the_bar_and_the_walk_forward_blend(capsys):
    assert main(["--date", "2026-07-24", "--data-dir", str(SHARED_DATA)]) == 0
    out = capsys.readouterr().out
    assert "tails, every horizon pooled" in out and "q_up: quoted" in out
    assert main(["--book", "--data-dir", str(SHARED_DATA)]) == 0
    out = capsys.readouterr().out
    assert "5m       (0, 1]" in out and "15m     (10, 15]" in out
    assert "fitted on the first half" in out and "fitted on the second half" in out


def test_the_book_report_without_its_recordings_is_reported_not_raised(tmp_path, capsys):
    assert main(["--book", "--data-dir", str(tmp_path)]) == 2
    assert "no recorded books" in capsys.readouterr().out


@needs_shared_data
def test_the_walk_forward_fit_says_what_was_fitted_on_which_day_and_reports_it_on_the_other(capsys, monkeypatch):
    # A small grid: the full one is the same loop, many times over (minutes on a busy machine).
    monkeypatch.setattr(calibrate_fit, "VOL_UNCERTAINTY_GRID", (0.0, 4.0))
    monkeypatch.setattr(calibrate_fit, "VOL_DISAGREEMENT_GRID", (0.0,))
    monkeypatch.setattr(calibrate_fit, "TAIL_DOF_GRID", (5,))
    assert main(["--fit", "--data-dir", str(SHARED_DATA)]) == 0
    out = capsys.readouterr().out
    for fit_day, report_day in (("2026-06-08", "2026-07-24"), ("2026-07-24", "2026-06-08")):
        assert f"fitted on {fit_day}: jumps from" in out and f"reported on {report_day} (out of sample)" in out
    assert out.count("fitted: quoted") == 2 and out.count("default: quoted") == 2
