"""Each speed's run checked against itself: its recorder wrote everything the stages read and wrote,
their decision traces included, and ``updown replay`` hands the same entries, in the order each
stage handled them and at the times it read, to the same code. Every signal and intent it makes
must be the one the run wrote: under load no decision was made on anything but its inputs.

(The run's intents are also compared with the 1x run's. When the stages follow the recording's order
(``bench.stress.schedule``) they must be identical. When they do not (``--no-follow``, a recording
without traces), they can differ where a stage's input streams were handled in another order at
another pace: two concurrent consumer loops of one process race. The traces say which entries each
decision had seen; this check shows that a difference is that race and not a decision gone wrong.)
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.stress.procs import ROOT

#: How long the replay of one speed's run may take.
REPLAY_TIMEOUT_S = 600
_IDENTICAL = re.compile(r"^replay: (\d+) of (\d+) (intents|signals) identical")


@dataclass(frozen=True)
class SelfCheck:
    ok: bool
    #: ``(identical, recorded)`` per compared output (``intents``, ``signals``).
    counts: dict[str, tuple[int, int]]
    #: What the replay printed (its first difference, when there is one).
    output: str

    def line(self) -> str:
        shown = ", ".join(f"{i} of {n} {noun}" for noun, (i, n) in sorted(self.counts.items()))
        return f"updown replay of this run's own recording: {shown or 'nothing compared'} identical"


def replay_own_recording(record_dir: Path) -> SelfCheck:
    try:
        done = subprocess.run([sys.executable, "-m", "cli.main", "replay", str(record_dir)], cwd=ROOT,
                              capture_output=True, text=True, timeout=REPLAY_TIMEOUT_S)  # fmt: skip
    except subprocess.TimeoutExpired:
        return SelfCheck(False, {}, f"updown replay took more than {REPLAY_TIMEOUT_S} s")
    out = done.stdout + done.stderr
    counts: dict[str, tuple[int, int]] = {}
    for line in out.splitlines():
        m = _IDENTICAL.match(line)
        if m:
            identical, recorded = counts.get(m[3], (0, 0))
            counts[m[3]] = (identical + int(m[1]), recorded + int(m[2]))
    return SelfCheck(done.returncode == 0, counts, out)
