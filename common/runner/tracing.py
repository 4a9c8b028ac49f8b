"""Decision traces: what a replay needs to hand a stage the same inputs, in the same order, at the same time.

A traced worker (``WorkerSpec.trace``, with ``runner.trace`` on) writes, beside the outputs of each
decision and in the same write, a ``DecisionTrace`` on ``trace.<worker>``: the clock the decision
read, the last entry it had handled on every input stream, what triggered it (an input entry, or a
source loop with what it observed outside the streams) and a digest of each output. Handlers read
one time throughout (the clock is pinned for the task while it handles an entry). With
``runner.clock = "event"`` the worker's clock follows the recorded times of its inputs instead of
the wall (a replay through real worker processes: ``updown stress``). See README, "Replay".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from common.bus import streams
from common.bus.codec import pack_body
from common.bus.envelope import Envelope
from common.bus.writer import Emit
from common.clock import EventClock, PinnedClock
from common.schemas.base import Message
from common.schemas.feed import FeedStatus
from common.schemas.trace import DecisionTrace, TraceKind

#: Runs of entries of one stream handled without a decision past which a trace goes out anyway
#: (with no outputs), so that a stage that decides nothing for hours keeps a bounded order.
ORDER_MAX_RUNS = 1_000
#: A feed's up/down: its ``event_ms`` is the feed's wall clock, which an event clock does not follow.
FEED_STATUS = FeedStatus.TYPE
#: Bytes of an output's digest (blake2b of its msgpack body): enough to tell outputs apart.
DIGEST_BYTES = 8


def digest(body: Message) -> str:
    return hashlib.blake2b(pack_body(body), digest_size=DIGEST_BYTES).hexdigest()


class Tracer:
    """One traced worker's decisions: numbered in the order they were made."""

    def __init__(self, stage: str, clock: PinnedClock, run_ms: int) -> None:
        self.stage = stage
        self.clock = clock
        self.run_ms = run_ms
        self.stream = streams.trace(stage)
        self.seq = 0
        #: Per input stream, the last entry handled (``ctl`` included).
        self.handled: dict[str, str] = {}
        #: The entries handled since the last decision, in the order handled: [stream, how many in a row].
        self._runs: list[list[Any]] = []
        #: The streams whose reading position was traced (once per run).
        self.started: set[str] = set()
        #: The last decision traced (a replay compares it with the recorded one).
        self.last: DecisionTrace | None = None
        #: Per input stream, how many entries were handled (``common.runner.follow`` counts on it).
        self.counts: dict[str, int] = {}
        #: The time the next entry handled reads instead of its own (a followed decision's recorded time).
        self.pin_next: int | None = None

    def pin_for(self, env: Envelope) -> int | None:
        """The time a handler of ``env`` reads: the wall's now, or (``EventClock``) the entry's own event
        time, so that a decision's time does not hang on which of the stage's input streams its
        concurrent loops took first (the clock itself, which the source loops read, never goes back)."""
        base = self.clock.base
        if self.pin_next is not None:
            pinned, self.pin_next = self.pin_next, None
            if isinstance(base, EventClock):
                base.follow(pinned)
            return pinned
        if isinstance(base, EventClock):
            if env.type == FEED_STATUS:  # stamped by a feed's own wall clock, not a recorded event's time
                return base.now_ms()
            base.follow(env.event_ms)
            return env.event_ms
        return None

    def handled_entry(self, stream: str, entry_id: str) -> None:
        self.handled[stream] = entry_id
        self.counts[stream] = self.counts.get(stream, 0) + 1
        if self._runs and self._runs[-1][0] == stream:
            self._runs[-1][1] += 1
        else:
            self._runs.append([stream, 1])

    @property
    def order_full(self) -> bool:
        """So many entries handled without a decision that their order is traced now (memory stays bounded)."""
        return len(self._runs) >= ORDER_MAX_RUNS

    def decision(self, kind: TraceKind, clock_ms: int, outputs: Sequence[Emit], **about: str) -> Emit:
        """The trace of a decision just made (call it before anything else can run: no await since)."""
        self.seq += 1
        order: tuple[str, ...] = ()
        if kind != "start":  # a consumer starting is no decision: what was handled goes with the next one
            order, self._runs = tuple(f"{stream} {n}" for stream, n in self._runs), []
        body = DecisionTrace(stage=self.stage, run_ms=self.run_ms, seq=self.seq, kind=kind, clock_ms=clock_ms,
                             clock="event" if isinstance(self.clock.base, EventClock) else "system",
                             handled=dict(self.handled), order=order,
                             outputs=tuple(f"{e.stream} {digest(e.body)}" for e in outputs), **about)  # fmt: skip
        self.last = body
        return Emit(self.stream, body, key=self.stage)


def with_trace(tracer: Tracer | None, clock_ms: int, outputs: Sequence[Emit], **about: str) -> list[Emit]:
    """A source loop's decision: its outputs, and its trace when the worker is traced."""
    if tracer is None:
        return list(outputs)
    return [*outputs, tracer.decision("source", clock_ms, outputs, **about)]
