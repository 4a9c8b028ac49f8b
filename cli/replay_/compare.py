"""Pure: what a stage decided in the replay against what it recorded, decision by decision.

A decision's recorded outputs are named by its trace (``<stream> <digest>``); the replayed ones are
the bodies the replay's run of the same code wrote. An output is identical when the replayed
decision wrote the same body (same digest) to the same stream; intents are also matched by
``intent_id`` so that a difference says whether the inputs (the id) or only the result differ.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from common.bus.writer import Emit
from common.runner.tracing import digest
from common.schemas.base import Message
from common.schemas.trace import DecisionTrace


@dataclass
class Difference:
    trace: DecisionTrace
    recorded: list[tuple[str, Message | None]]
    replayed: list[tuple[str, Message]]


@dataclass
class Tally:
    """Outputs on the compared streams (``prefix``): recorded, reproduced, and the first difference."""

    prefix: str
    #: stream + digest -> the recorded body (read from the recording's output streams).
    recorded_bodies: dict[str, Message] = field(default_factory=dict)
    recorded: int = 0
    identical: int = 0
    extra: int = 0
    decisions: int = 0
    first: Difference | None = None

    def compared(self, name: str, series: str | None) -> bool:
        return name.startswith(self.prefix) and (series is None or name == f"{self.prefix}{series}")

    def add(self, trace: DecisionTrace, replayed: list[Emit], series: str | None = None) -> None:
        """One recorded decision and what the replay's decisions at that point wrote."""
        self.decisions += 1
        want = Counter(o for o in trace.outputs if self.compared(o.split(" ", 1)[0], series))
        got_list = [(e.stream, e.body) for e in replayed if self.compared(e.stream, series)]
        got = Counter(f"{s} {digest(b)}" for s, b in got_list)
        same = sum((want & got).values())
        self.recorded += sum(want.values())
        self.identical += same
        self.extra += sum(got.values()) - same
        if self.first is None and (want != got):
            recorded = [(o, self.recorded_bodies.get(o)) for o in want.elements()]
            self.first = Difference(trace, recorded, got_list)


def show(body: Message | None) -> str:
    if body is None:
        return "(not found in the recording's output streams)"
    return json.dumps(body.model_dump(mode="json"), indent=1, sort_keys=True)


def report(tally: Tally, noun: str) -> list[str]:
    """The lines ``updown replay`` prints for one stage."""
    lines = [f"replay: {tally.identical} of {tally.recorded} {noun} identical"
             + (f", {tally.extra} more written by the replay" if tally.extra else "")]  # fmt: skip
    diff = tally.first
    if diff is None:
        return lines
    t = diff.trace
    what = f"{t.trigger_stream} {t.trigger_id}" if t.kind == "entry" else f"source {t.source}={t.value!r}"
    lines.append(f"first difference: decision {t.seq} of run {t.run_ms} at clock {t.clock_ms} ({what})")
    if diff.recorded and diff.replayed:
        lines.append("  " + _what_differs(diff.recorded[0][1], diff.replayed[0][1]))
    for name, body in diff.recorded:
        lines.append(f"  recorded {name}:\n{show(body)}")
    if not diff.recorded:
        lines.append("  recorded: nothing")
    for stream, body in diff.replayed:
        lines.append(f"  replayed {stream} {digest(body)}:\n{show(body)}")
    if not diff.replayed:
        lines.append("  replayed: nothing")
    return lines


def _what_differs(recorded: Message | None, replayed: Message) -> str:
    """The fields of the first recorded and replayed outputs that differ (an intent's id: its inputs)."""
    if recorded is None:
        return "the recorded output is not in the recording's streams"
    a, b = recorded.model_dump(mode="json"), replayed.model_dump(mode="json")
    fields = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    line = f"fields that differ: {', '.join(fields) or 'none'}"
    if "intent_id" in a:
        line += ("; another intent_id: the inputs (or the configuration) differ" if "intent_id" in fields
                 else "; the same intent_id: the same inputs gave another result")  # fmt: skip
    return line
