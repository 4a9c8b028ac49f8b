"""What a stress run measured, the invariants it must hold, and the table: pure, no I/O.

Per-stage latency comes from the envelope stamps (``common/bus/envelope.py``): ``ingest_ms`` (the
frame's arrival at the feed) and ``event_ms`` travel from cause to effect, ``emit_ms`` is when each
stage wrote its entry. So

- ``feed-book`` / ``feed-ref``: an event's ``emit_ms - ingest_ms`` (frame in -> event on its stream);
- ``alpha``: a signal's ``emit_ms`` minus that of the tick it carries the stamps of;
- ``quoter``: an intent's ``emit_ms`` minus that of the signal (or book event) it carries the stamps of;
- ``tick->intent``: an intent's ``emit_ms - ingest_ms``, the whole path.

Each stage's figure includes the wait in its input stream: the stage that cannot keep up is the one
whose latency grows with the speed. Signals and intents made on a timer carry no upstream stamps
of an entry and are left out of the per-stage figures.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.stats import percentile

STAGE_COLUMNS = ("feed-book", "feed-ref", "alpha", "quoter", "tick->intent")
#: A speed saturates when the player delivers less than this share of the recorded pace times N...
ACHIEVED_SHARE_MIN = 0.9
#: ... or when some group falls this far behind its stream (ms between the newest entry and the last
#: one it was given): the pipeline no longer keeps up with what it is sent.
SATURATED_LAG_MS = 1_000
#: A stage whose resident memory grew more than this over one speed's run is not bounded.
RSS_GROWTH_MAX_MIB = 100.0


@dataclass(frozen=True, slots=True)
class Stamp:
    """An entry's envelope stamps."""

    event_ms: int
    ingest_ms: float
    emit_ms: float

    @property
    def cause(self) -> tuple[int, float]:
        return self.event_ms, self.ingest_ms


def stage_latencies(book: Sequence[Stamp], ref: Sequence[Stamp], signals: Sequence[Stamp],
                    intents: Sequence[Stamp]) -> dict[str, list[float]]:  # fmt: skip
    """Every stage's latencies in ms (sorted), matched through the carried stamps."""
    out: dict[str, list[float]] = {"feed-book": [s.emit_ms - s.ingest_ms for s in book],
                                   "feed-ref": [s.emit_ms - s.ingest_ms for s in ref]}  # fmt: skip
    ref_emit = _first_emit(ref)
    out["alpha"] = [s.emit_ms - ref_emit[s.cause] for s in signals if s.cause in ref_emit]
    signal_emit, book_emit = _first_emit(signals), _last_emit(book)
    quoter = []
    for s in intents:
        upstream = signal_emit.get(s.cause, book_emit.get(s.cause))
        if upstream is not None:
            quoter.append(s.emit_ms - upstream)
    out["quoter"] = quoter
    out["tick->intent"] = [s.emit_ms - s.ingest_ms for s in intents if s.cause in ref_emit or s.cause in book_emit]
    return {k: sorted(v) for k, v in out.items()}


def _first_emit(stamps: Sequence[Stamp]) -> dict[tuple[int, float], float]:
    out: dict[tuple[int, float], float] = {}
    for s in stamps:
        out.setdefault(s.cause, s.emit_ms)
    return out


def _last_emit(stamps: Sequence[Stamp]) -> dict[tuple[int, float], float]:
    """One frame's events share its stamps: the stage after it could start once the last was written."""
    return {s.cause: s.emit_ms for s in stamps}


@dataclass
class Figures:
    """One speed's run."""

    speed: float
    items: int
    #: The recording's span: items / (span / speed) is the pace asked for.
    span_s: float
    elapsed_s: float
    max_behind_s: float
    latencies: dict[str, list[float]]
    #: The largest lag any group had (entries not yet delivered; ms of the stream behind it), and where.
    max_lag_entries: int
    max_lag_ms: int
    max_lag_at: str
    redis_start_mib: float
    redis_end_mib: float
    rss_start_mib: dict[str, float]
    rss_end_mib: dict[str, float]
    cpu_s: dict[str, float]
    #: What the stages wrote, by stream prefix (``book``, ``ref``, ``signal``, ``intent``).
    outputs: dict[str, int]
    #: The intents, each as (intent id, its body's content) in the order written.
    intents: list[tuple[str, str]]
    #: A digest of the feeds' events (``book``, ``ref``) in order, without our receive stamps.
    feeds: dict[str, str] = field(default_factory=dict)
    #: What ``updown replay`` of this run's own recording found.
    self_check: str = ""
    #: How long the player waited at barriers in all (s): the stages slow to take an entry written back.
    held_s: float = 0.0
    #: Invariant breaches found while running (lost frames, a stage gone, ...).
    problems: list[str] = field(default_factory=list)
    #: Streams over their bound, Redis at its cap (found at the end).
    unbounded: list[str] = field(default_factory=list)

    @property
    def target_per_s(self) -> float:
        return self.items / max(1e-9, self.span_s / self.speed)

    @property
    def achieved_per_s(self) -> float:
        return self.items / max(1e-9, self.elapsed_s)

    @property
    def saturated(self) -> bool:
        return self.achieved_per_s < ACHIEVED_SHARE_MIN * self.target_per_s or self.max_lag_ms > SATURATED_LAG_MS


def unbounded(fig: Figures) -> list[str]:
    """What did not stay bounded: streams, Redis, a stage's resident memory."""
    out = list(fig.unbounded)
    for stage, start in fig.rss_start_mib.items():
        grew = fig.rss_end_mib.get(stage, start) - start
        if grew > RSS_GROWTH_MAX_MIB:
            out.append(f"{stage} grew {grew:.0f} MiB (over {RSS_GROWTH_MAX_MIB:.0f})")
    return out


def invariants(fig: Figures, baseline: Figures | None, strict: bool = False, upto: int | None = None) -> list[str]:
    """What does not hold at this speed (empty: all hold). ``baseline``: the 1x run, if this is not it;
    ``strict`` (the stages followed the recording, ``bench.stress.schedule``): the intents must also be
    the 1x run's, in order: the first ``upto`` of them (those of the followed decisions; None: all)."""
    problems = [*fig.problems, *unbounded(fig)]
    if baseline is None or baseline is fig:
        return problems
    for prefix in ("book", "ref"):
        if fig.outputs.get(prefix, 0) != baseline.outputs.get(prefix, 0):
            problems.append(f"{prefix} events: {fig.outputs.get(prefix, 0)} at {fig.speed:g}x, "
                            f"{baseline.outputs.get(prefix, 0)} at 1x")  # fmt: skip
        elif fig.feeds.get(prefix) != baseline.feeds.get(prefix):
            problems.append(f"{prefix} events differ in content or order from the 1x run's")
    if strict:
        difference = first_difference(baseline.intents[:upto], fig.intents[:upto])
        if difference:
            problems.append(f"intents differ from the 1x run: {difference}")
    return problems


def versus_1x(fig: Figures, baseline: Figures) -> str:
    """How many of the 1x run's intents this speed wrote too: by id and content, and by decision (the
    content without the id, which hashes every input, our receive stamps included: the wall's in a
    stress run); then the first difference in order."""
    difference = first_difference(baseline.intents, fig.intents)
    if not difference:
        return f"all {len(baseline.intents)} intents identical to the 1x run's"
    decisions = Counter(map(_decision, baseline.intents)) & Counter(map(_decision, fig.intents))
    return (f"intents against the 1x run's: {sum(decisions.values())} of {len(baseline.intents)} the same decision "
            f"(all but the id); by id and content: {difference}")  # fmt: skip


def _decision(intent: tuple[str, str]) -> str:
    try:
        body = json.loads(intent[1])
    except ValueError:
        return intent[1]
    body.pop("intent_id", None)
    return json.dumps(body, sort_keys=True)


def first_difference(expected: list[tuple[str, str]], got: list[tuple[str, str]]) -> str:
    """'' when identical (in order, by id and content); otherwise how many of the 1x run's intents
    were written at this speed too, and the first one in order that differs, field by field."""
    written = set(got)
    same = sum(1 for intent in expected if intent in written)
    for i, (a, b) in enumerate(zip(expected, got, strict=False)):
        if a != b:
            return f"{same} of {len(expected)} identical; the first that differs, #{i}: {field_changes(a[1], b[1])}"
    if len(expected) != len(got):
        return f"{len(got)} intents where the 1x run wrote {len(expected)} ({same} identical)"
    return ""


def field_changes(expected: str, got: str) -> str:
    """The fields of two intents' JSON that differ: ``name: 1x value -> this value``."""
    try:
        a, b = json.loads(expected), json.loads(got)
    except ValueError:
        return f"{expected[:300]} -> {got[:300]}"
    keys = [k for k in {**a, **b} if a.get(k) != b.get(k)]
    return "; ".join(f"{k}: {json.dumps(a.get(k))[:200]} -> {json.dumps(b.get(k))[:200]}" for k in keys)


def _p(values: list[float], q: float) -> str:
    return "-" if not values else f"{percentile(values, q):.1f}"


def table(figs: Sequence[Figures]) -> list[str]:
    head = f"{'speed':>6} {'items':>6} {'asked/s':>8} {'got/s':>8} {'behind s':>8} {'held s':>6} " + " ".join(
        f"{c + ' p50/p99 ms':>22}" for c in STAGE_COLUMNS) + f" {'max lag':>16}"  # fmt: skip
    lines = [head]
    for f in figs:
        cells = " ".join(f"{_p(f.latencies.get(c, []), 50) + ' / ' + _p(f.latencies.get(c, []), 99):>22}"
                         for c in STAGE_COLUMNS)  # fmt: skip
        lag = f"{f.max_lag_entries} / {f.max_lag_ms} ms"
        lines.append(f"{f.speed:>5g}x {f.items:>6} {f.target_per_s:>8.0f} {f.achieved_per_s:>8.0f} "
                     f"{f.max_behind_s:>8.2f} {f.held_s:>6.2f} {cells} {lag:>16}")  # fmt: skip
    lines.append("")
    lines.append(f"{'speed':>6} {'bounded':>7} {'redis MiB start->end':>21}  resident MiB start->end (cpu s)")
    for f in figs:
        rss = ", ".join(f"{s} {f.rss_start_mib[s]:.0f}->{f.rss_end_mib.get(s, float('nan')):.0f} "
                        f"({f.cpu_s.get(s, 0):.1f})" for s in f.rss_start_mib)  # fmt: skip
        bounded = "no" if unbounded(f) else "yes"
        lines.append(f"{f.speed:>5g}x {bounded:>7} {f.redis_start_mib:>9.1f} -> {f.redis_end_mib:<9.1f}  {rss}")
    return lines


def verdict(figs: Sequence[Figures]) -> list[str]:
    """Where the pipeline saturates and which stage is the bottleneck there."""
    lines = []
    for f in figs:
        stage = bottleneck(f)
        share = f.achieved_per_s / max(1e-9, f.target_per_s)
        state = "SATURATED" if f.saturated else "keeps up"
        lines.append(f"{f.speed:g}x: {state}: {share:.0%} of the asked pace ({f.held_s:.2f} s of "
                     f"{f.elapsed_s:.2f} s held at barriers), the largest lag {f.max_lag_ms} ms "
                     f"({f.max_lag_at or '-'}); slowest stage {stage} (p99 "
                     f"{_p(f.latencies.get(stage, []), 99)} ms, {f.cpu_s.get(stage, 0) / max(f.elapsed_s, 1e-9):.0%}"
                     f" of a core)")  # fmt: skip
    first = next((f for f in figs if f.saturated), None)
    if first is None:
        top = max(figs, key=lambda f: f.speed)
        lines.append(f"no speed saturated: the pipeline kept up at {top.speed:g}x; at that speed the slowest stage "
                     f"is {bottleneck(top)}")  # fmt: skip
    else:
        lines.append(f"saturates at {first.speed:g}x ({first.achieved_per_s:.0f} of {first.target_per_s:.0f} items/s "
                     f"asked); the bottleneck is {bottleneck(first)}")  # fmt: skip
    return lines


def bottleneck(f: Figures) -> str:
    """The stage with the largest p99 of its own latency (its wait in its input included)."""
    stages = [c for c in STAGE_COLUMNS if c != "tick->intent" and f.latencies.get(c)]
    if not stages:
        return "-"
    return max(stages, key=lambda c: percentile(f.latencies[c], 99))
