"""The schedules a stress run's traced stages follow (``runner.follow``, ``common.runner.follow``):
the recording's own decision traces of alpha and the quoter, cut to the part played.

Each concurrent loop of a stage handles its stream's entries as they come, so at another pace the
entries of different streams are handled in another order and the decisions differ. Following the
recorded order, every speed makes the same decisions (and the recording's, where it has traces).
A trace is kept when it was recorded within the played part (every entry it names was recorded
before it, so is played too); of a recording where a stage restarted, its first run only (a run's
decisions follow from its own start). Not followable, with the reason: a recording without traces
(``updown record import``, ``runner.trace`` off), or played from past the stages' start (``--from``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.stress.measure import first_difference
from bench.stress.timeline import Item
from common.bus import streams
from common.bus.codec import decode
from common.schemas.trace import DecisionTrace
from workers.recorder.reading import read_recording

#: The stages that trace their decisions, so can follow them.
TRACED = ("alpha", "quoter")


@dataclass
class Schedules:
    #: Per stage, the recorded trace entries' fields to write on ``replay.schedule.<stage>``, in order.
    fields: dict[str, list[dict[bytes, bytes]]] = field(default_factory=dict)
    #: Why the stages cannot follow ("" when they do).
    not_followed: str = ""
    #: How many intents the followed decisions wrote (what follows the schedule races as live).
    intents: int = 0
    #: The recording's ms of the last decision followed: its outputs are written by then (a
    #: decision's trace goes in the script that writes its outputs, which may cross into the next
    #: ms, so the played part's last ms can hold an intent whose decision is not followed).
    last_decision_ms: int = 0

    @property
    def followed(self) -> bool:
        return not self.not_followed

    def line(self) -> str:
        if not self.followed:
            return f"not following the recorded order ({self.not_followed}): the intents are not compared with 1x"
        decisions = {stage: sum(1 for f in rows if _kind(f) != "start") for stage, rows in self.fields.items()}
        return "following the recorded order: " + ", ".join(f"{s} {n} decisions" for s, n in decisions.items())


def _kind(fields: dict[bytes, bytes]) -> str:
    body = decode(fields).body
    return body.kind if isinstance(body, DecisionTrace) else ""


def recorded_schedules(root: Path, timeline: list[Item], stages: tuple[str, ...] = TRACED) -> Schedules:
    """Each traced stage's schedule for the played ``timeline`` (from the recording in ``root``)."""
    if not timeline:
        return Schedules(not_followed="nothing played")
    first, last = timeline[0].recorded_ms, timeline[-1].recorded_ms
    out = Schedules()
    for stage in stages:
        run_ms: int | None = None
        rows: list[dict[bytes, bytes]] = []
        for record in read_recording(root, {streams.trace(stage)}.__contains__, to_ms=last + 1):
            body = decode(record.fields, record.id).body
            if not isinstance(body, DecisionTrace):
                continue
            if body.order and record.ms < first:
                return Schedules(not_followed=f"{stage} handled entries before the played part (--from)")
            run_ms = body.run_ms if run_ms is None else run_ms
            if body.run_ms != run_ms:
                break  # the stage restarted: its next run started from its own state
            rows.append(record.fields)
            out.last_decision_ms = max(out.last_decision_ms, record.ms)
        if not rows:
            return Schedules(not_followed=f"no decision traces of {stage} in {root} (trace.{stage}: an "
                                          "imported recording, or recorded with runner.trace off)")  # fmt: skip
        out.fields[stage] = rows
    out.intents = sum(1 for rows in out.fields.values() for f in rows for o in _outputs(f) if o.startswith("intent."))
    return out


def _outputs(fields: dict[bytes, bytes]) -> tuple[str, ...]:
    body = decode(fields).body
    return body.outputs if isinstance(body, DecisionTrace) else ()


def versus_recording(intents: list[tuple[str, str]], recorded: list[tuple[str, str]]) -> tuple[bool, str]:
    """The run's intents against those the recording's decisions wrote in the played part (each with
    its trace, so all made while the stages followed): the run's first ones, in order. Shown, not
    asserted: between decisions the recorded stage read the wall's time (``runner.clock = "system"``),
    which an id hashes with every input, and a run on the event clock reads the entries' times."""
    difference = first_difference(recorded, intents[: len(recorded)])
    if not difference:
        return True, f"all {len(recorded)} intents of the recorded decisions identical to the recording's"
    return False, f"intents against the recording's: {difference}"
