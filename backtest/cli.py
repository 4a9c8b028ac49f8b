"""``updown backtest DIR``: replay a recording through the strategies and print their scorecard."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from backtest.compare import compare, recorded_latency_ms
from backtest.engine import DEFAULT_LATENCY_MS, Params, Run, replay
from backtest.page import page
from backtest.recording import Recording, load
from backtest.report import totals_table, window_table, write_csv
from backtest.scorecard import Card, scorecard
from backtest.strategies import STRATEGIES, BaselineConfig, with_settings
from backtest.sweep import Point, Span, grid, ranking, run_point, sweep
from backtest.venue import TAKER_DELAY_MS, QueueModel
from common.config import load_settings
from common.money import to_micro
from common.schemas.book import LastTrade
from common.strategy.params import alpha_config, quoter_config

#: Where the CSV files and the page go without ``--out``.
DEFAULT_OUT = Path("var/backtest")


def at_ms(text: str) -> int:
    """Unix ms, or an ISO time (UTC unless it names a zone)."""
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a time: {text!r} (ISO, or unix ms)") from None
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() * 1000)


def parse_sets(items: Sequence[str]) -> dict[str, str]:
    sets = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set {item}: expected key=value")
        sets[key.strip()] = value.strip()
    return sets


def params_from(sets: dict[str, str], latency_ms: int, queue: QueueModel) -> Params:
    known = ("quoter.", "alpha.", "baseline.", "rewards_pool_daily_usd", "cross_fills")
    unknown = [k for k in sets if not k.startswith(known)]
    if unknown:
        raise ValueError(
            f"--set {unknown[0]}: keys are quoter.*, alpha.*, baseline.*, rewards_pool_daily_usd, cross_fills"
        )
    settings = load_settings()  # the trader's [strategy] and [risk], under the --set values
    return Params(
        latency_ms=latency_ms,
        queue=queue,
        cross_fills=None if "cross_fills" not in sets else sets["cross_fills"].lower() in ("1", "true", "yes", "on"),
        alpha=with_settings(alpha_config(settings, ""), "alpha", sets),
        quoter=with_settings(quoter_config(settings, ""), "quoter", sets),
        baseline=with_settings(BaselineConfig(), "baseline", sets),
        rewards_pool_daily_micro=to_micro(Decimal(sets.get("rewards_pool_daily_usd", "0"))),
    )


def header(root: Path, recording: Recording, params: Params, runs: list[Run]) -> list[str]:
    start = datetime.fromtimestamp(recording.first_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    seconds = (recording.last_ms - recording.first_ms) // 1000
    prints = sum(1 for _ in recording.of(LastTrade))
    depth = f"full depth: queue position by displayed size, {prints} prints and the cancels"
    if params.queue is QueueModel.TOP:
        depth = "top of book only: no fill at our own price (the queue ahead is unknown), only through it"
        depth += f" ({prints} prints)" if prints else " (no prints: only when the opposite best reaches our price)"
    recorded = recorded_latency_ms(recording)
    seen = f"; the recorded bot's median event-to-ack was {recorded} ms" if recorded is not None else ""
    markets = runs[0].markets if runs else []
    how: dict[str, int] = {}
    for m in markets:
        key = "left open (not recorded to the end)" if m.unsettled else f"settled by {m.settlement.how}"
        how[key] = how.get(key, 0) + 1
    agree = [m for m in markets if m.settlement.how in ("twap", "spot") and m.settlement.venue_winner is not None]
    same = sum(m.settlement.winner == m.settlement.venue_winner for m in agree)
    return [
        f"backtest of {root}: {len(recording.entries)} entries from {start} UTC, {seconds} s",
        f"book: {depth}",
        f"latency {params.latency_ms} ms to live and to cancel{seen}; our takers wait the venue's {TAKER_DELAY_MS} ms",
        f"windows: {', '.join(f'{n} {k}' for k, n in sorted(how.items()))}"
        + (f"; the rule agrees with the venue's recorded winner on {same} of {len(agree)}" if agree else ""),
        f"rewards pool {params.rewards_pool_daily_micro / 1e6:.2f} pUSD a day per market"
        + ("; opposite orders displayed through our price fill us" if _crosses(params) else ""),
    ]


def run_sweep(args: argparse.Namespace, span: Span, strategy: str, sets: dict[str, str], latency: int,
              queue: QueueModel) -> int:  # fmt: skip
    """Rank the grid on DIR; with ``--test``, the best and the defaults on DIR2."""
    points = [({**sets, **combo}, params_from({**sets, **combo}, latency, queue)) for combo in grid(args.sweep)]
    lines = [f"sweep of {strategy} on {args.dir}: {len(points)} combinations, latency {latency} ms, {queue.value}"]
    ranked = sweep(args.dir, strategy, points, span)
    lines += ranking(ranked)
    if args.test is not None:
        best = dict(ranked[0].sets)
        tested = [
            Point(ranked[0].sets, run_point(args.test, strategy, params_from(best, latency, queue))),
            Point(tuple(sorted(sets.items())), run_point(args.test, strategy, params_from(sets, latency, queue))),
        ]
        lines += ["", f"walk-forward: chosen on {args.dir}, judged on {args.test}", *ranking(tested)]
    print("\n".join(lines))
    return 0


def causes(run: Run) -> str:
    """What filled the run's orders, and what its orders met: the fill model at work."""
    fills: dict[str, int] = {}
    for m in run.markets:
        for cause, n in m.stats.fills_by_cause.items():
            fills[cause] = fills.get(cause, 0) + n
    placed = sum(m.stats.placed for m in run.markets)
    rejected = sum(m.stats.rejected for m in run.markets)
    replaced = sum(m.stats.replaced for m in run.markets)
    taken = ", ".join(f"{n} {c.replace('_', '-')}" for c, n in sorted(fills.items())) or "none"
    orders = f"orders placed {placed}, replaced {replaced}, rejected (post-only) {rejected}"
    return f"every window: fills by cause {taken}; {orders}"


def _crosses(params: Params) -> bool:
    return params.cross_fills if params.cross_fills is not None else params.queue is QueueModel.TOP


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="updown backtest", description=__doc__)
    ap.add_argument("dir", type=Path, help="a recording: var/record, or one day of it")
    strategies_help = "quoter,quoter-v1,bands,touch (default: all four); recorded: the recorded bot's own fills"
    ap.add_argument("--strategy", default=",".join(STRATEGIES), help=strategies_help)
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                    help="quoter.*, alpha.*, baseline.* fields, rewards_pool_daily_usd, cross_fills")  # fmt: skip
    ap.add_argument("--latency-ms", type=int, default=None,
                    help=f"decision to live and to cancel done (default {DEFAULT_LATENCY_MS}; with --compare, "
                    "the recorded bot's own)")  # fmt: skip
    ap.add_argument(
        "--queue",
        choices=[q.value for q in QueueModel],
        default=None,
        help="book (queue position) or top (trade-throughs only); default: book if the recording has depth",
    )
    ap.add_argument(
        "--from",
        dest="span_from",
        default=None,
        metavar="T",
        help="replay from T (ISO, UTC unless it names a zone; or unix ms)",
    )
    ap.add_argument("--to", dest="span_to", default=None, metavar="T", help="replay up to T (excluded)")
    ap.add_argument("--compare", action="store_true", help="the quoter's fills beside the recorded bot's own")
    ap.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="KEY=A,B,C",
        help="run every combination (parallel processes) for the first strategy, ranked by PnL",
    )
    ap.add_argument(
        "--test",
        type=Path,
        default=None,
        metavar="DIR2",
        help="with --sweep: report the best settings (and the defaults) on this other recording",
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"CSV files and report.html (default {DEFAULT_OUT})")
    args = ap.parse_args(argv)
    if not args.dir.is_dir():
        print(f"updown backtest: {args.dir} is not a folder", file=sys.stderr)
        return 2
    if args.test is not None and not args.test.is_dir():
        print(f"updown backtest: {args.test} is not a folder", file=sys.stderr)
        return 2
    try:
        span = (at_ms(args.span_from) if args.span_from else 0, at_ms(args.span_to) if args.span_to else None)
    except ValueError as exc:
        print(f"updown backtest: {exc}", file=sys.stderr)
        return 2
    recording = load(args.dir, *span)
    if not recording.entries:
        print(f"updown backtest: nothing to replay under {args.dir}", file=sys.stderr)
        return 2
    latency = args.latency_ms
    if latency is None:
        latency = (recorded_latency_ms(recording) if args.compare else None) or DEFAULT_LATENCY_MS
    queue = QueueModel(args.queue) if args.queue else QueueModel.BOOK if recording.depth else QueueModel.TOP
    try:
        sets = parse_sets(args.sets)
        params = params_from(sets, latency, queue)
        names = [s.strip() for s in args.strategy.split(",") if s.strip()]
        if args.sweep:
            return run_sweep(args, span, names[0], sets, latency, queue)
        runs = [replay(recording, name, params) for name in names]
    except ValueError as exc:
        print(f"updown backtest: {exc}", file=sys.stderr)
        return 2
    cards: list[Card] = [scorecard(run) for run in runs]
    lines = header(args.dir, recording, params, runs)
    for run, card in zip(runs, cards, strict=True):
        lines += ["", f"== {card.strategy} ==", *window_table(card), causes(run)]
    lines += ["", "== totals (settled windows) ==", *totals_table(cards)]
    if args.compare:
        quoter = next((r for r in runs if r.strategy == "quoter"), None) or replay(recording, "quoter", params)
        lines += ["", "== the replayed quoter's fills beside the recorded bot's ==", *compare(recording, quoter)]
    paths = write_csv(args.out, runs, cards)
    html_path = args.out / "report.html"
    html_path.write_text(page(f"updown backtest: {args.dir}", lines[:5], runs, cards))
    lines += ["", "wrote " + ", ".join(str(p) for p in [*paths, html_path])]
    print("\n".join(lines))
    return 0
