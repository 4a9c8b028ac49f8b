"""Whether the ledger's positions can be trusted: the risk limits must not fail open on a stale ledger.

The positions are what the ledger booked. They cannot be trusted (and the quoter then buys nothing)
when:

- no ledger is running (no ``health:<instance>`` hash of a worker named ``ledger``: absent or expired);
- the ledger lags the fills: the oldest fill on ``fills`` it has not booked (never delivered to its
  group, or delivered and not acked) is older than ``quoter.max_position_lag_ms``;
- it has never published the account ``quoter.ledger_grace_ms`` after the quoter started.

A quiet ledger with old positions is not stale: nothing happened to change them.
"""

from __future__ import annotations

from typing import Any

from redis.exceptions import ResponseError

from common.bus import streams
from common.config.settings import QuoterSettings
from common.runner import health
from common.runner.spec import Context

#: The worker (and consumer group on ``fills``) whose books the positions are.
LEDGER = "ledger"
LEDGER_DOWN = "ledger_down"
POSITIONS_LAGGING = "positions_lagging_fills"
POSITIONS_UNKNOWN = "positions_unknown"


def stale_reason(*, ledger_running: bool, unbooked_age_ms: int, account_seen: bool, since_start_ms: int,
                 cfg: QuoterSettings) -> str:  # fmt: skip
    """Why the positions cannot be trusted ("" when they can)."""
    if not ledger_running:
        return LEDGER_DOWN
    if unbooked_age_ms > cfg.max_position_lag_ms:
        return POSITIONS_LAGGING
    if not account_seen and since_start_ms > cfg.ledger_grace_ms:
        return POSITIONS_UNKNOWN
    return ""


async def ledger_running(redis: Any) -> bool:
    """Some instance of the ledger writes its health hash (it expires when the ledger stops)."""
    async for key in redis.scan_iter(match=f"{health.KEY_PREFIX}*", count=100):
        if await redis.hget(key, "worker") in (LEDGER, LEDGER.encode()):
            return True
    return False


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entry_ms(entry_id: Any) -> int:
    return int(_text(entry_id).split("-")[0])


async def unbooked_fill_age_ms(redis: Any, now_ms: int) -> int:
    """How old the oldest fill the ledger has not booked is (0 when it has booked them all)."""
    try:
        groups = await redis.xinfo_groups(streams.FILLS)
    except ResponseError:
        return 0  # no fills stream yet: no fills
    group = next((g for g in groups if _text(g["name"]) == LEDGER), None)
    if group is None:
        oldest = await redis.xrange(streams.FILLS, "-", "+", count=1)  # the ledger never read a fill
    else:
        if int(group["pending"]) > 0:
            pending = await redis.xpending(streams.FILLS, LEDGER)
            if pending["min"] is not None:  # None: the ledger booked them between the two looks
                return max(0, now_ms - _entry_ms(pending["min"]))
        oldest = await redis.xrange(streams.FILLS, f"({_text(group['last-delivered-id'])}", "+", count=1)
    return max(0, now_ms - _entry_ms(oldest[0][0])) if oldest else 0


async def check(ctx: Context, *, account_seen: bool, started_ms: int) -> str:
    """The ledger looked at now: why its positions cannot be trusted ("" when they can)."""
    now_ms = ctx.clock.now_ms()
    return stale_reason(ledger_running=await ledger_running(ctx.redis),
                        unbooked_age_ms=await unbooked_fill_age_ms(ctx.redis, now_ms),
                        account_seen=account_seen, since_start_ms=now_ms - started_ms,
                        cfg=ctx.settings.quoter)  # fmt: skip
