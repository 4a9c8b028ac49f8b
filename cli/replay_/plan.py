"""Pure: a stage's recorded decisions, and the input entries to hand it before each one.

A traced stage wrote one ``DecisionTrace`` per decision (``common.runner.tracing``): the clock it
read, the entries it handled since the decision before, in the order its concurrent loops handled
them (the trigger last), and what triggered it. The replay hands over exactly those entries in
that order (``Feeder``), and the trigger at the traced time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from common.bus import streams
from common.runner.tracing import FEED_STATUS
from common.schemas.trace import DecisionTrace
from workers.recorder.records import EntryId, Record, parse_id

#: Before a stream's start mark the run never read it (what a fresh group at "0" starts after).
NOTHING = "0-0"


@dataclass
class Run:
    """One run of a traced worker (a start of its process): where it began to read, what it decided."""

    run_ms: int
    #: The run's clock followed its inputs' event times (``runner.clock = "event"``): 0 until the first.
    event_clock: bool = False
    #: Per input stream, the group's position when the run began to read it.
    start: dict[str, str] = field(default_factory=dict)
    #: Per input stream, the entries at or before that position it read again first (not acked
    #: by the run before: a kill).
    pending: dict[str, frozenset[str]] = field(default_factory=dict)
    decisions: list[DecisionTrace] = field(default_factory=list)


def runs_of(traces: Iterable[DecisionTrace]) -> list[Run]:
    """The traces of one stage as runs, oldest first, each run's decisions in the order made."""
    by_run: dict[int, Run] = {}
    for t in traces:
        run = by_run.setdefault(t.run_ms, Run(t.run_ms))
        if t.kind == "start":
            run.start.setdefault(t.trigger_stream, t.trigger_id)
            run.pending.setdefault(t.trigger_stream, frozenset(i for i in t.value.split(",") if i))
        else:
            run.decisions.append(t)
        run.event_clock = t.clock == "event"
    for run in by_run.values():
        run.decisions.sort(key=lambda t: t.seq)
    return [by_run[k] for k in sorted(by_run)]


def entry_clock_ms(record: Record, previous_ms: int, event_clock: bool = False) -> int:
    """The time an entry handled between decisions is handled at: no earlier than it was written,
    nor than the decision before it (the stage saw it later than both, and decided nothing on it).
    A stage on an event clock (``runner.clock = "event"``) read each input's own event time instead;
    a feed's up/down, stamped by the feed's wall clock, and a control command (the control loop
    does not move the clock) read the clock as it was, ``previous_ms`` (``common.runner.tracing``)."""
    if not event_clock:
        return max(previous_ms, record.ms)
    if record.stream == streams.CTL or record.fields.get(b"type") == FEED_STATUS.encode():
        return previous_ms
    return int(record.fields[b"event_ms"])


class Feeder:
    """The stage's input entries, handed out in the order the stage handled them (the traces say)."""

    def __init__(
        self, entries: Iterator[Record], start: dict[str, str], pending: dict[str, frozenset[str]] | None = None
    ) -> None:
        self._entries = entries
        self._start = {s: parse_id(i) for s, i in start.items()}
        self._pending = pending or {}
        #: Entries read from the recording and not handed out yet, per stream.
        self._held: dict[str, deque[Record]] = {}
        #: Entries before their stream's start mark: never handled (the state they left is derived).
        self._before_start: list[Record] = []
        self._last: EntryId = parse_id(NOTHING)

    def _pull(self) -> bool:
        r = next(self._entries, None)
        if r is None:
            return False
        self._last = parse_id(r.id)
        if self._last <= self._start.get(r.stream, parse_id(NOTHING)) and r.id not in self._pending.get(r.stream, ()):
            self._before_start.append(r)
        else:
            self._held.setdefault(r.stream, deque()).append(r)
        return True

    def prime(self) -> list[Record]:
        """Read up to the last start mark: the entries before their marks (what the run's start found)."""
        top = max(self._start.values(), default=parse_id(NOTHING))
        while self._last < top and self._pull():
            pass
        out, self._before_start = self._before_start, []
        return out

    def take(self, order: tuple[str, ...]) -> list[Record]:
        """The entries a decision's ``order`` names (``<stream> <count>`` runs), in that order; fewer
        when the recording lacks some (trimmed before the recorder read them)."""
        out: list[Record] = []
        for run in order:
            stream, _, count = run.rpartition(" ")
            held = self._held.setdefault(stream, deque())
            for _ in range(int(count)):
                while not held and self._pull():
                    pass
                if not held:
                    break
                out.append(held.popleft())
        return out


def split_trigger(entries: list[Record], trace: DecisionTrace) -> tuple[list[Record], Record | None]:
    """The entries handled before a decision, and the one it was made on (the last of its order)."""
    if trace.kind != "entry" or not entries:
        return entries, None
    last = entries[-1]
    if (last.stream, last.id) != (trace.trigger_stream, trace.trigger_id):
        return entries, None  # the recording lacks it: the decision cannot be made again
    return entries[:-1], last


def batches(entries: list[Record]) -> Iterator[list[Record]]:
    """Consecutive entries of one stream together (one consumer call each)."""
    run: list[Record] = []
    for r in entries:
        if run and r.stream != run[-1].stream:
            yield run
            run = []
        run.append(r)
    if run:
        yield run
