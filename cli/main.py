"""``updown``: run the bot, run one worker, watch streams, steer workers, benchmark, emulate the venue."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence

from common.config import ConfigError

USAGE = """updown COMMAND [ARGS]

  run [--duration S]           start Redis (unless REDIS_URL) and every worker under supervisord
  worker NAME [--instance I]   run one worker in the foreground (supervisord runs them this way)
  status                       every worker (state, health age), stream (length, last id) and group
  top [--once] [--every S]     live view: windows, books vs our ladder, position, PnL, feeds, workers, alerts
  tail STREAM [--count N] [--follow]    print decoded entries of a stream
  dlq list|replay STREAM [--count N] [--id ID ...|--all]   a stream's dead letters; put them back
  ctl ACTION [--target W] [--reason R]  pause | resume | halt | reload | reduce-only | flatten
  config [--strategy]          print the effective configuration (secrets redacted), or each series' strategy
  bench bus [--rates R,R] [--seconds S] [--drain N]   one-hop latency and max rate of the bus
  bench recorder [--entries N] [--streams K]   how fast the recorder writes a backlog to disk
  bench cancel [--cancels N] [--moves-per-s M] [--bare]   tick-to-cancel: price moves through the stages
  bench series [--count 1,4,12] [--seconds S]   the whole bot with N series: CPU per stage, Redis, latency
  sim [--port P] ...           the venue emulator, flags defaulted from the config
  sim realism [--minutes M] [--seed S] [--series btc-15m]   the emulator's market against the real one
  sim record [--minutes M] [--seed S] [--series btc-15m] [--price-file F] [--out DIR]
                               the emulator's market (no bot) recorded as the feeds would, for backtests
  keys new | derive            create the wallet key; derive API credentials from the venue
  doctor                       check wallet, credentials, balances, allowances, clock, heartbeat,
                               and which price transport (PolyBolt or RTDS) is live
  soak [--minutes M] [--faults chaos] [--kill-every S] [--kill-redis]   kill workers and Redis, check it all
  replay DIR [--from T] [--to T] [--series S] [--speed N|max] [--stages alpha,quoter]
                               a recording through the real alpha and quoter: identical outputs?
  stress DIR [--speed 1,5,50] [--no-follow]   a recording through the real workers at N times its pace
                               (alpha and the quoter in the recorded order: the 1x run's intents at N x):
                               rates, per-stage latency, lag, memory; exits 1 when an invariant breaks
  report [--scorecard [DIR]]   the per-window table, the account and the latency of the run; the scorecard
  calibrate [--date D] [--fit] [--book]   fair-value calibration against real outcomes; --fit the tails
                               walk-forward; --book the market mid's bar and the book blend
  backtest DIR [--strategy quoter,quoter-v1,bands,touch,recorded] [--set K=V ...] [--latency-ms L]
               [--queue book|top] [--from T] [--to T] [--compare] [--sweep K=A,B ...] [--test DIR2]
               [--out DIR]                replay a recording through the strategies: the scorecard
  record import SRC... [--out DIR] [--from T] [--to T] [--series S]
                               real data (../shared/data) as a recording replay reads
"""


def _lazy(module: str, attr: str = "main") -> Callable[[list[str]], int]:
    def run(argv: list[str]) -> int:
        import importlib

        fn: Callable[[list[str]], int] = getattr(importlib.import_module(module), attr)
        return fn(argv)

    return run


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "run": _lazy("cli.launch"),
    "worker": _lazy("cli.worker"),
    "status": _lazy("cli.status"),
    "tail": _lazy("cli.tail"),
    "top": _lazy("cli.top"),
    "dlq": _lazy("cli.dlq"),
    "ctl": _lazy("cli.ctl"),
    "config": _lazy("cli.config_cmd"),
    "bench": _lazy("bench.cli"),
    "sim": _lazy("cli.sim_cmd"),
    "keys": _lazy("cli.keys"),
    "doctor": _lazy("cli.doctor"),
    "report": _lazy("cli.report"),
    "replay": _lazy("cli.replay"),
    "soak": _lazy("cli.soak"),
    "stress": _lazy("cli.stress"),
    "calibrate": _lazy("workers.alpha.calibrate"),
    "backtest": _lazy("backtest.cli"),
    "record": _lazy("cli.record"),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if args else 2
    command = COMMANDS.get(args[0])
    if command is None:
        print(f"updown: unknown command {args[0]!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    if args[0] == "worker":
        # Until the worker's loop takes SIGTERM over, a stop finds nothing started: exit 0 at once
        # (Python's default would end the process by the signal, which supervisord reports as a crash).
        signal.signal(signal.SIGTERM, _stopped_while_starting)
    try:
        return command(args[1:])
    except ConfigError as exc:
        print(f"updown: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _stopped_while_starting(signum: int, frame: object) -> None:
    print("updown worker: stopped while starting, before any work", file=sys.stderr)
    raise SystemExit(0)


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog=f"updown {prog}", description=description)


if __name__ == "__main__":
    sys.exit(main())
