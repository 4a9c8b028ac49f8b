"""A traced stage's record of one decision: when it decided, and what it had read by then.

Alpha and the quoter (``WorkerSpec.trace``) read several streams in concurrent loops, plus their
clock and, for the quoter, the ledger's trust: none of that order or time is in the input streams.
Beside the outputs of every decision they write one ``DecisionTrace`` on ``trace.<worker>``, so
that ``updown replay`` can hand the same entries to the same code in the same order at the same
clock and expect the same outputs. See README, "Replay".
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from common.schemas.base import Message

#: ``entry``: a handler decided on an input entry (``trigger_stream``/``trigger_id``);
#: ``source``: a source loop decided (``source`` names the decision, ``value`` what it observed);
#: ``start``: a consumer began reading ``trigger_stream`` after ``trigger_id`` (its group's position).
TraceKind = Literal["entry", "source", "start"]


class DecisionTrace(Message):
    TYPE = "trace"
    VERSION = 1

    stage: str
    #: When the worker started (its clock, ms): a run's traces, ordered by ``seq``, are its decisions.
    run_ms: int
    seq: int
    kind: TraceKind
    trigger_stream: str = ""
    trigger_id: str = ""
    source: str = ""
    #: What a source decision observed from outside the streams (the quoter's ledger trust).
    value: str = ""
    #: The clock the decision read (a handler sees one time: when its entry's handling began).
    clock_ms: int
    #: What the worker's clock followed: the wall ("system") or its inputs' event times ("event").
    clock: Literal["system", "event"] = "system"
    #: Per input stream, the last entry handled when the decision was made (``ctl`` included).
    handled: dict[str, str] = Field(default_factory=dict)
    #: The entries handled since the previous decision (this one's trigger last), in the order
    #: handled across the stage's concurrent loops: ``<stream> <how many in a row>``.
    order: tuple[str, ...] = ()
    #: ``<stream> <digest>`` of every output of the decision, in order (``tracing.digest``).
    outputs: tuple[str, ...] = ()
