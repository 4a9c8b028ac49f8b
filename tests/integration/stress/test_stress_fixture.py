"""``updown stress`` on the committed recording (tests/fixtures/recording, made by ``make fixture``)
at 1x and 5x, as a user runs it: the real feed, alpha and quoter processes, fed by a local venue
socket playing the recorded raw frames. The invariants must hold, among them that alpha and the
quoter, following the recording's decision traces (``runner.follow``), write at 5x exactly the 1x
run's intents, which are the recording's own; the timings are printed, not asserted.

(Before the stages followed the recording, each read its streams in concurrent loops and 5x wrote
other intents than 1x: 15 of 267 identical by id and content on this fixture's first 45 s.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

#: The fixture's first seconds played (at 1x they take as long): enough for a window's quotes.
PLAYED_S = 45
#: The stress run at two speeds takes about a minute and a half; this is the ceiling.
STRESS_TIMEOUT_S = 300


def test_the_fixture_stressed_at_5x_loses_nothing_stays_bounded_and_writes_the_1x_runs_intents(repo_root: Path,
                                                                                      tmp_path: Path) -> None:
    fixture = repo_root / "tests" / "fixtures" / "recording"
    if not any(fixture.glob("*/*.jsonl.gz")):
        pytest.skip(f"no recording in {fixture}: make it with `make fixture`")
    done = subprocess.run([sys.executable, "-m", "cli.main", "stress", str(fixture), "--speed", "1,5",
                           "--seconds", str(PLAYED_S), "--out", str(tmp_path / "stress")], cwd=repo_root,
                          capture_output=True, text=True, timeout=STRESS_TIMEOUT_S)  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "1x: " in out and "5x: " in out, out
    assert out.count("every invariant holds") == 2, out
    assert out.count("updown replay of this run's own recording: ") == 2, out
    intents = [line for line in out.splitlines() if line.startswith(("1x: ", "5x: ")) and " intents;" in line]
    assert intents and all(" 0 intents;" not in line for line in intents), f"the fixture made no intents:\n{out}"
    assert "stress: following the recorded order: alpha " in out, out
    identical = [line.strip() for line in out.splitlines() if "intents identical to the 1x run's" in line]
    assert len(identical) == 1 and identical[0].startswith("all "), out
    # Against the recording itself: shown (its stages read the wall's time between decisions).
    assert out.count("intents of the recorded decisions identical") + out.count("against the recording's") == 2, out
    assert "saturates at" in out or "no speed saturated" in out, out


def test_a_stage_that_dies_mid_run_fails_the_stress_run_and_says_so(repo_root: Path, tmp_path: Path) -> None:
    fixture = repo_root / "tests" / "fixtures" / "recording"
    if not any(fixture.glob("*/*.jsonl.gz")):
        pytest.skip(f"no recording in {fixture}: make it with `make fixture`")
    env = dict(os.environ, UPDOWN_RUNNER__CRASH_AFTER_EMITS="10")  # alpha and the quoter SIGKILL themselves
    done = subprocess.run([sys.executable, "-m", "cli.main", "stress", str(fixture), "--speed", "1",
                           "--seconds", str(PLAYED_S), "--out", str(tmp_path / "stress")], cwd=repo_root, env=env,
                          capture_output=True, text=True, timeout=STRESS_TIMEOUT_S)  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "1x: " in out and "FAILED: " in out, out
    assert "is not running at the end" in out and "a stage ended" in out, out
