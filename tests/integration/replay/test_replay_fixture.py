"""The committed recording (``make fixture``) replays through the real alpha and quoter with every
signal and intent identical, at full speed and at a recorded pace; a changed threshold shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "recording"
#: What to do when the strategy changed on purpose.
REGENERATE = (
    "the replay of tests/fixtures/recording differs from what was recorded. If the strategy "
    "(alpha or the quoter) changed on purpose, record a new fixture: `make fixture`, and commit it."
)
#: A replay of the fixture takes a few seconds; this is far beyond.
REPLAY_TIMEOUT_S = 300
#: Alpha and the quoter at a finite speed: the fixture's minute in a few seconds each.
FINITE_SPEED = "30"
#: The quoter with one threshold edited, then the replay command (as a user would edit the core).
EDITED_QUOTER = """
import dataclasses, sys
from workers.quoter import worker
from workers.quoter.core.config import QuoterConfig
from workers.quoter.core.engine import QuoterCore
edited = dataclasses.replace(QuoterConfig(), skew_micro_per_share=QuoterConfig().skew_micro_per_share + 100)
worker.QuoterCore = lambda: QuoterCore(edited)
from cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def replay(*args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", code, "replay"] if code else [sys.executable, "-m", "cli.main", "replay"]
    return subprocess.run([*command, str(FIXTURE), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=REPLAY_TIMEOUT_S)  # fmt: skip


@pytest.fixture(autouse=True)
def _fixture_present() -> None:
    if not any(FIXTURE.glob("*/*.jsonl.gz")):
        pytest.skip(f"no recording in {FIXTURE}: make it with `make fixture`")


@pytest.mark.parametrize("speed", ["max", FINITE_SPEED])
def test_the_fixture_replays_with_every_signal_and_intent_identical(speed: str) -> None:
    done = replay("--speed", speed)

    assert done.returncode == 0, f"{REGENERATE}\n{done.stdout}\n{done.stderr}"
    (intents,) = [line for line in done.stdout.splitlines() if "intents identical" in line]
    identical, _, recorded = intents.removeprefix("replay: ").partition(" intents")[0].partition(" of ")
    assert identical == recorded and int(recorded) > 0, done.stdout
    assert "signals identical" in done.stdout


def test_an_edited_quoter_threshold_is_shown_as_the_first_difference_and_fails_the_replay() -> None:
    done = replay("--stages", "quoter", code=EDITED_QUOTER)

    assert done.returncode == 1, done.stdout + done.stderr
    assert " of " in done.stdout and "first difference: decision" in done.stdout
    assert "recorded intent." in done.stdout and "replayed intent." in done.stdout
    assert "another intent_id" in done.stdout  # the configuration is an input of every intent
