"""The schedule a followed stage keeps to (``common.runner.follow``): a recording's decision traces
of one stage as steps, entries per stream in a row and source decisions, in decision order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from common.bus.codec import DecodeError, decode
from common.errors import UpdownError
from common.runner.spec import Context
from common.schemas.trace import DecisionTrace


def schedule_stream(worker: str) -> str:
    """Where a stress run puts the recorded decision traces a stage follows."""
    return f"replay.schedule.{worker}"


class FollowMismatch(UpdownError):
    """The run does not give what the recorded schedule says came next."""


@dataclass(frozen=True, slots=True)
class Entries:
    """``count`` entries of ``stream`` in a row, before decision ``seq``; ``clock_ms``: the last
    of them is the decision's trigger and reads that time."""

    stream: str
    count: int
    seq: int
    clock_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """A source loop's decision ``name`` at ``clock_ms``, on what it had observed (``value``)."""

    name: str
    value: str
    seq: int
    clock_ms: int


Step = Entries | Source


def steps_of(traces: Sequence[DecisionTrace]) -> list[Step]:
    """The schedule of one run's decisions, in their order (a consumer's start is no decision)."""
    steps: list[Step] = []
    for trace in sorted(traces, key=lambda t: t.seq):
        if trace.kind == "start":
            continue
        runs = [(stream, int(n)) for stream, _, n in (o.rpartition(" ") for o in trace.order)]
        if trace.kind == "entry":
            if not runs or runs[-1][0] != trace.trigger_stream:
                raise FollowMismatch(f"{trace.stage}: decision {trace.seq} has no order ending with its trigger "
                                     f"({trace.trigger_stream}): traces made before the order was traced")  # fmt: skip
            stream, n = runs.pop()
            if n > 1:
                runs.append((stream, n - 1))
        steps += [Entries(stream, n, trace.seq) for stream, n in runs]
        if trace.kind == "entry":
            steps.append(Entries(trace.trigger_stream, 1, trace.seq, trace.clock_ms))
        else:
            steps.append(Source(trace.source, trace.value, trace.seq, trace.clock_ms))
    return steps


async def load_schedule(ctx: Context) -> list[Step]:
    """The schedule the stress run wrote for this stage (empty: nothing to follow)."""
    rows = await ctx.redis.xrange(schedule_stream(ctx.name))
    return steps_of([_trace(fields, _text(entry_id)) for entry_id, fields in rows])


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _trace(fields: dict[bytes, bytes], entry_id: str) -> DecisionTrace:
    try:
        body = decode(fields, entry_id).body
    except DecodeError as exc:
        raise FollowMismatch(f"schedule entry {entry_id} is not a decision trace: {exc}") from None
    if not isinstance(body, DecisionTrace):
        raise FollowMismatch(f"schedule entry {entry_id} is a {type(body).__name__}, not a decision trace")
    return body
