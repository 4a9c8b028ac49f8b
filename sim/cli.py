"""``updown sim``: run the venue emulator on a loopback port until SIGTERM or SIGINT.

    updown sim --port P [--seed S] [--window-seconds W] [--series btc-15m,eth-15m,...]
               [--price-file F] [--faults PROFILE] [--rule twap|spot] [--host H] [--no-traders]
               [--no-chain] [--v2-series btc-15m,...]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from dataclasses import replace
from pathlib import Path

from sim.faults import PROFILES
from sim.server import DEFAULT_HOST, ServerConfig, SimServer
from sim.world.config import ResolutionRule, SeriesConfig, WorldConfig, parse_window_label
from sim.world.trader_config import TraderConfig

#: The series run when none is given.
DEFAULT_SERIES = "btc-15m"


def parse_series(text: str, window_s: int | None, rule: ResolutionRule) -> tuple[SeriesConfig, ...]:
    """``btc-15m,eth-5m:spot`` → series (an optional ``:twap``/``:spot`` sets that series' rule);
    ``--window-seconds`` overrides every length."""
    out = []
    for item in (part.strip().lower() for part in text.split(",")):
        if not item:
            continue
        name, _, rule_name = item.partition(":")
        asset, _, label = name.partition("-")
        if not asset or not label:
            raise argparse.ArgumentTypeError(f"series {item!r} is not <asset>-<length>, e.g. btc-15m")
        try:
            length = window_s if window_s is not None else parse_window_label(label)
            series_rule = ResolutionRule(rule_name) if rule_name else rule
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"series {item!r}: {exc}") from exc
        out.append(SeriesConfig(asset, length, rule=series_rule))
    if not out:
        raise argparse.ArgumentTypeError("no series given")
    return tuple(dict.fromkeys(out))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="updown sim", description="Run the local Polymarket emulator.")
    p.add_argument("--port", type=int, required=True, help="loopback port (0 picks a free one)")
    p.add_argument("--host", default=DEFAULT_HOST, help="bind address (loopback by default)")
    p.add_argument("--seed", type=int, default=0, help="seed of every random process")
    p.add_argument("--window-seconds", type=int, default=None, help="window length of every series")
    p.add_argument("--series", default=DEFAULT_SERIES, help="comma list of <asset>-<length>[:twap|:spot]")
    p.add_argument("--price-file", type=Path, default=None, help="Chainlink BTCUSD-prices-*.csv.gz to replay")
    p.add_argument("--faults", default="none", choices=sorted(PROFILES), help="fault profile")
    rules = [r.value for r in ResolutionRule]
    p.add_argument("--rule", default="twap", choices=rules, help="settlement rule of every series")
    p.add_argument("--no-traders", action="store_true", help="run without background traders")
    p.add_argument("--chain", action=argparse.BooleanOptionalAction, default=True,
                   help="run the local chain (real ConditionalTokens on py-evm) at /chain/rpc")
    p.add_argument("--v2-series", default="", help="comma list of series run as Protocol V2 markets (ExchangeV3)")
    p.add_argument("--log-level", default="INFO")
    return p


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    rule = ResolutionRule(args.rule)
    # --v2-series names series as --series does (btc-5m), also when --window-seconds renames them.
    named = {item.strip().lower().partition(":")[0]: item for item in args.series.split(",") if item.strip()}
    v2 = {key.strip().lower() for key in args.v2_series.split(",") if key.strip()}
    unknown = v2 - set(named) - {s.key for s in parse_series(args.series, args.window_seconds, rule)}
    if unknown:
        raise SystemExit(f"--v2-series {sorted(unknown)} not among the series run ({args.series})")
    v2_keys = {s.key for name in v2 & set(named) for s in parse_series(named[name], args.window_seconds, rule)}
    series = tuple(replace(s, protocol_v2=s.key in v2 or s.key in v2_keys)
                   for s in parse_series(args.series, args.window_seconds, rule))  # fmt: skip
    world = WorldConfig(seed=args.seed, series=series, price_file=args.price_file)
    traders = replace(TraderConfig(), enabled=not args.no_traders)
    return ServerConfig(host=args.host, port=args.port, faults=args.faults, world=world, traders=traders,
                        chain=args.chain)


async def serve(cfg: ServerConfig) -> None:
    server = SimServer(cfg)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    port = await server.start()
    print(f"updown sim: listening on http://{cfg.host}:{port}", flush=True)
    try:
        await stop.wait()
    finally:
        await server.stop()


def run(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        cfg = config_from_args(args)
    except argparse.ArgumentTypeError as exc:
        build_parser().error(str(exc))
    try:
        import uvloop  # libuv's loop: the emulator must not be the bottleneck of the benchmarks
    except ImportError:
        asyncio.run(serve(cfg))
    else:
        uvloop.run(serve(cfg))
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
