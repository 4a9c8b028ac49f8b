"""``updown ctl ACTION``: send a control command to every worker (or one) and record it.

The operator's last resort: when the configuration does not validate, every action but ``reload``
is still sent, to the Redis named by the environment, the secrets directory or the running run.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from typing import get_args

import redis.asyncio as aioredis

from cli import redis_url
from cli.main import parser
from common.clock import SYSTEM_CLOCK
from common.config import ConfigError, load_settings
from common.runner.catalog import EVERY_WORKER, WORKER_NAMES, is_known_target
from common.runner.control import issue
from common.schemas.control import Action

ACTIONS = get_args(Action)


def main(argv: list[str]) -> int:
    p = parser("ctl", "Send a control command to the workers.")
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("--target", default=EVERY_WORKER, help="a worker name (default: every worker)")
    p.add_argument("--reason", default="", help="why, for the audit trail")
    args = p.parse_args(argv)
    url = _redis_url(args.action)

    async def send() -> str | None:
        client = aioredis.Redis.from_url(url)
        try:
            if not await is_known_target(client, args.target):
                return None
            cmd = await issue(client, args.action, target=args.target, issued_by=f"cli:{getpass.getuser()}",
                              reason=args.reason, clock=SYSTEM_CLOCK)  # fmt: skip
        finally:
            await client.aclose()
        return cmd.request_id

    request_id = asyncio.run(send())
    if request_id is None:
        print(f"updown ctl: no worker named {args.target!r}; known: {EVERY_WORKER}, {', '.join(sorted(WORKER_NAMES))}"
              " or a running instance (updown status)", file=sys.stderr)  # fmt: skip
        return 2
    print(f"sent {args.action} to {args.target} (request {request_id})")
    return 0


def _redis_url(action: str) -> str:
    try:
        return redis_url.resolve(load_settings())
    except ConfigError as exc:
        if action == "reload":  # reloading an invalid configuration is what must not happen
            raise
        url = redis_url.resolve_without_settings()
        print(f"updown ctl: the configuration is invalid; sending {action} anyway.\n{exc}", file=sys.stderr)
        return url
