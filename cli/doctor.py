"""``updown doctor``: check the wallet, credentials, balances, allowances, clock, heartbeat and
account status against the configured venue before any order; exit 1 naming what to fix."""

from __future__ import annotations

import asyncio

from cli.main import parser
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from common.doctor.run import examine


def main(argv: list[str]) -> int:
    parser("doctor", "Check a setup before any order; every failing check says how to fix it.").parse_args(argv)
    settings = load_settings()
    print(f"updown doctor: {settings.mode.value} mode against {settings.venue.clob_url}")
    results = asyncio.run(examine(settings, SYSTEM_CLOCK))
    for check in results:
        print(check.line())
    failed = [c.name for c in results if not c.ok]
    print("all checks pass" if not failed else f"{len(failed)} check(s) failed: {', '.join(failed)}")
    return 1 if failed else 0
