"""``updown ctl ACTION``: send a control command to every worker (or one) and record it."""

from __future__ import annotations

import asyncio
import getpass
from typing import get_args

import redis.asyncio as aioredis

from common.cli.main import parser
from common.cli.redis_url import resolve
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from common.runner.control import issue
from common.schemas.control import Action

ACTIONS = get_args(Action)


def main(argv: list[str]) -> int:
    p = parser("ctl", "Send a control command to the workers.")
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("--target", default="*", help="a worker name (default: every worker)")
    p.add_argument("--reason", default="", help="why, for the audit trail")
    args = p.parse_args(argv)
    url = resolve(load_settings())

    async def send() -> str:
        client = aioredis.Redis.from_url(url)
        try:
            cmd = await issue(client, args.action, target=args.target, issued_by=f"cli:{getpass.getuser()}",
                              reason=args.reason, clock=SYSTEM_CLOCK)  # fmt: skip
        finally:
            await client.aclose()
        return cmd.request_id

    print(f"sent {args.action} to {args.target} (request {asyncio.run(send())})")
    return 0
