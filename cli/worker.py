"""``updown worker NAME``: run one worker in the foreground until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import sys

from cli.main import parser
from common.config import load_settings
from common.runner.runner import run_worker
from workers.registry import UnknownWorker, load


def main(argv: list[str]) -> int:
    p = parser("worker", "Run one worker in the foreground.")
    p.add_argument("name", help="a registered worker name, or module:ATTR")
    p.add_argument("--instance", help="consumer name (default: supervisord's process name, or NAME-0)")
    args = p.parse_args(argv)
    try:
        spec = load(args.name)
    except UnknownWorker as exc:
        print(f"updown worker: {exc}", file=sys.stderr)
        return 2
    settings = load_settings()
    coro = run_worker(spec, settings, instance=args.instance)
    if settings.runner.event_loop == "uvloop":
        import uvloop

        return uvloop.run(coro)
    return asyncio.run(coro)
