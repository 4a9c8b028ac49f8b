"""``updown stress DIR --speed 1,5,50``: a recording played through the real worker processes at N
times its pace, the feeds included (driven from the recorded raw frames by a local websocket
server); at each speed the table of what it achieved, and the invariants asserted.

Alpha and the quoter follow the recording's own decision traces (``runner.follow``,
``bench.stress.schedule``): they handle their inputs in the recorded order, so every speed makes
the same decisions. Exit 0 when at every speed no entry was lost, the feeds' events are the 1x
run's, memory stayed bounded, ``updown replay`` of the run's own recording finds every signal and
intent identical (each decision is what the code makes of the inputs it had) and, when the stages
followed the recording, the intents are the 1x run's, in order. 1 with the reasons otherwise; 2
when the recording cannot be played. A recording without traces (imported) cannot be followed:
the run says so and the intents are not compared (nor with ``--no-follow``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.stress.load import NotPlayable, load_timeline, ref_transport
from bench.stress.measure import Figures, invariants, table, verdict, versus_1x
from bench.stress.outputs import recorded_outputs
from bench.stress.run import measure_once
from bench.stress.schedule import Schedules, recorded_schedules, versus_recording
from bench.stress.timeline import counts
from cli.main import parser

#: ``--find-limit``: each further speed is the last one times this...
LIMIT_STEP = 4
#: ... up to this speed at most (past it the whole recording plays in a blink: nothing to measure).
MAX_SPEED = 10_000.0


def speeds(text: str) -> list[float]:
    """``1,5,50`` -> [1.0, 5.0, 50.0]; 1x first (the others are compared with it), added if absent."""
    values = sorted({float(v) for v in text.split(",") if v.strip()})
    if not values or values[0] <= 0:
        raise ValueError("speeds are positive numbers, e.g. 1,5,50")
    return values if 1.0 in values else [1.0, *values]


def main(argv: list[str]) -> int:
    p = parser("stress", "Play a recording through the real worker processes at N times its pace.")
    p.add_argument("dir", type=Path, help="the recording (var/record)")
    p.add_argument("--speed", default="1,5,50", help="comma-separated speeds (1x is always run, first)")
    p.add_argument("--from", dest="from_ms", type=int, default=0, help="first entry time (ms)")
    p.add_argument("--to", dest="to_ms", type=int, default=None, help="end time (ms, exclusive)")
    p.add_argument("--seconds", type=float, default=None, help="play only the first S seconds of the recording")
    p.add_argument("--find-limit", action="store_true",
                   help=f"past the last speed, multiply it by {LIMIT_STEP} until a speed saturates "
                        f"(at most {MAX_SPEED:g}x)")  # fmt: skip
    p.add_argument("--no-follow", action="store_true",
                   help="alpha and the quoter read their streams in concurrent loops, as live, not in "
                        "the recorded order: their intents then differ with the pace (not compared)")  # fmt: skip
    p.add_argument("--out", type=Path, default=Path("var/stress"),
                   help="per speed: the stages' logs and the run's own recording (<out>/<speed>x/)")  # fmt: skip
    args = p.parse_args(argv)
    try:
        wanted = speeds(args.speed)
        timeline = load_timeline(args.dir, args.from_ms, args.to_ms, args.seconds, follow=not args.no_follow)
        plan = Schedules(not_followed="--no-follow") if args.no_follow else recorded_schedules(args.dir, timeline)
        if not plan.followed and not args.no_follow:  # the feeds' recorded statuses are then not played
            timeline = load_timeline(args.dir, args.from_ms, args.to_ms, args.seconds)
    except (ValueError, NotPlayable) as exc:
        print(f"updown stress: {exc}")
        return 2
    seen = counts(timeline)
    print(f"stress: {args.dir}: {seen.span_ms / 1000:.1f} s recorded; frames {seen.frames}, entries written back "
          f"{seen.entries}; reference transport {ref_transport(timeline)}; speeds "
          + ", ".join(f"{s:g}x" for s in wanted))  # fmt: skip
    print(f"stress: {plan.line()}")
    # What the recording's own decisions wrote in the played part: a followed run writes them too.
    recorded = recorded_outputs(args.dir, to_ms=timeline[-1].recorded_ms + 1).intents if plan.followed else []
    figs: list[Figures] = []
    failed = False
    queue = list(wanted)
    while queue:
        speed = queue.pop(0)
        fig = asyncio.run(measure_once(timeline, speed, ref_transport(timeline), args.out, schedules=plan))
        figs.append(fig)
        # Asserted on the intents of the recorded decisions; after the last one the stages race as live.
        problems = invariants(fig, figs[0], strict=plan.followed, upto=plan.intents)
        # Shown, not asserted: the recorded run read the wall's time between its decisions, this one
        # the entries' event times (a decision's trigger reads the recorded decision's time).
        _, against = versus_recording(fig.intents, recorded)
        failed = failed or bool(problems)
        held = "every invariant holds" if not problems else "FAILED: " + "; ".join(problems)
        print(f"{speed:g}x: {fig.items} items in {fig.elapsed_s:.1f} s, {fig.outputs.get('intent', 0)} intents; {held}",
              flush=True)  # fmt: skip
        print(f"  {fig.self_check}")
        if plan.followed:
            print(f"  {against}")
        if fig is not figs[0]:
            print(f"  {versus_1x(fig, figs[0])}")
            if plan.followed and len(figs[0].intents) > plan.intents:
                after = len(figs[0].intents) - plan.intents
                print(f"  (the first {plan.intents}, of the recorded decisions, must be identical; the "
                      f"{after} after the last one were made racing, as live)")  # fmt: skip
        if args.find_limit and not queue and not fig.saturated and speed * LIMIT_STEP <= MAX_SPEED:
            queue.append(speed * LIMIT_STEP)
    print()
    print("\n".join(table(figs)))
    print()
    print("\n".join(verdict(figs)))
    return 1 if failed else 0
