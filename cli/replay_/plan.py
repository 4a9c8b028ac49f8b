"""Pure: a stage's recorded decisions, and the input entries to hand it before each one.

A traced stage wrote one ``DecisionTrace`` per decision (``common.runner.tracing``): the clock it
read, the last entry it had handled on each input stream, and what triggered it. Between two
decisions the entries handled changed nothing anybody saw but the stage's state, whatever their
order across streams; so before each decision the replay hands over, in id order, every entry up
to that decision's marks (``Feeder``), the trigger last, and sets the clock to the traced time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from common.runner.tracing import FEED_STATUS
from common.schemas.trace import DecisionTrace
from workers.recorder.records import EntryId, Record, parse_id

#: Before a stream's start mark the run never read it (what a fresh group at "0" starts after).
NOTHING = "0-0"


@dataclass
class Run:
    """One run of a traced worker (a start of its process): where it began to read, what it decided."""

    run_ms: int
    #: Per input stream, the group's position when the run began to read it.
    start: dict[str, str] = field(default_factory=dict)
    decisions: list[DecisionTrace] = field(default_factory=list)


def runs_of(traces: Iterable[DecisionTrace]) -> list[Run]:
    """The traces of one stage as runs, oldest first, each run's decisions in the order made."""
    by_run: dict[int, Run] = {}
    for t in traces:
        run = by_run.setdefault(t.run_ms, Run(t.run_ms))
        if t.kind == "start":
            run.start.setdefault(t.trigger_stream, t.trigger_id)
        else:
            run.decisions.append(t)
    for run in by_run.values():
        run.decisions.sort(key=lambda t: t.seq)
    return [by_run[k] for k in sorted(by_run)]


def entry_clock_ms(record: Record, previous_ms: int, event_clock: bool = False) -> int:
    """The time an entry handled between decisions is handled at: no earlier than it was written,
    nor than the decision before it (the stage saw it later than both, and decided nothing on it).
    A stage on an event clock (``runner.clock = "event"``) read each input's own event time instead
    (a feed's up/down: the clock as it was; ``common.runner.tracing``)."""
    if not event_clock:
        return max(previous_ms, record.ms)
    if record.fields.get(b"type") == FEED_STATUS.encode():
        return previous_ms
    return int(record.fields.get(b"event_ms", b"0"))


class Feeder:
    """The stage's input entries in id order, handed out decision by decision up to its marks."""

    def __init__(self, entries: Iterator[Record], start: dict[str, str]) -> None:
        self._entries = entries
        self._next: Record | None = None
        self._start = {s: parse_id(i) for s, i in start.items()}
        #: Entries read past their stream's mark (handled at a later decision), per stream.
        self._held: dict[str, deque[Record]] = {}
        #: Entries before their stream's start mark: never handled (the state they left is derived).
        self.before_start: list[Record] = []

    def _peek(self) -> Record | None:
        if self._next is None:
            self._next = next(self._entries, None)
        return self._next

    def upto(self, handled: dict[str, str]) -> list[Record]:
        """Every entry not handed out yet at or below its stream's mark in ``handled``, in id order."""
        marks = {s: parse_id(i) for s, i in handled.items()}
        top = max([*marks.values(), *self._start.values()], default=(0, 0))  # the start marks: state at start
        while (r := self._peek()) is not None and parse_id(r.id) <= top:
            self._next = None
            if parse_id(r.id) <= self._start.get(r.stream, parse_id(NOTHING)):
                self.before_start.append(r)
            else:
                self._held.setdefault(r.stream, deque()).append(r)
        out: list[tuple[EntryId, str, Record]] = []
        for stream, held in self._held.items():
            mark = marks.get(stream)
            while mark is not None and held and parse_id(held[0].id) <= mark:
                r = held.popleft()
                out.append((parse_id(r.id), stream, r))
        return [r for *_, r in sorted(out, key=lambda x: (x[0], x[1]))]

    def take_before_start(self) -> list[Record]:
        out, self.before_start = self.before_start, []
        return out


def split_trigger(entries: list[Record], trace: DecisionTrace) -> tuple[list[Record], Record | None]:
    """The entries handled before a decision, and the one it was made on (last, whatever its id)."""
    if trace.kind != "entry":
        return entries, None
    for i, r in enumerate(entries):
        if r.stream == trace.trigger_stream and r.id == trace.trigger_id:
            return entries[:i] + entries[i + 1 :], r
    return entries, None


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
