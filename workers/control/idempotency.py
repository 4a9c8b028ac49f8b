"""The control API's Idempotency-Key: bound to one action on one target, claimed atomically.

The first request with a key claims it, in one Redis script, with the action and target it is for;
it acts, then records its answer under the key. A repeat of the same action on the same target gets
that answer back without acting again; the same key for another action or target is a conflict, as
is a repeat while the first is still acting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

#: Keys of the claims: ``ctl:idem:<Idempotency-Key>``.
KEY_PREFIX = "ctl:idem:"

# SET NX and, when the key was already taken, what it holds: one atomic step (SET ... NX GET
# needs Redis 7; this runs on 6.2 too).
_CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])
"""


@dataclass(frozen=True)
class Claim:
    """What a request may do with its key: act (``fresh``), replay ``answer``, or refuse (``conflict``)."""

    fresh: bool = False
    answer: dict[str, Any] | None = None
    conflict: str | None = None


async def claim(redis: aioredis.Redis, key: str, *, action: str, target: str, ttl_s: int) -> Claim:
    record = json.dumps({"action": action, "target": target, "answer": None})
    raw = await redis.eval(_CLAIM, 1, KEY_PREFIX + key, record, ttl_s)
    if raw is None:
        return Claim(fresh=True)
    seen = json.loads(raw)
    if (seen.get("action"), seen.get("target")) != (action, target):
        return Claim(conflict=f"Idempotency-Key {key!r} was used for {seen.get('action')} on target "
                              f"{seen.get('target')!r}; use a new key for {action} on {target!r}")  # fmt: skip
    if seen.get("answer") is None:
        return Claim(conflict=f"a request with Idempotency-Key {key!r} is still being acted on")
    answer: dict[str, Any] = seen["answer"]
    return Claim(answer=answer)


async def record(redis: aioredis.Redis, key: str, *, action: str, target: str, answer: dict[str, Any],
                 ttl_s: int) -> None:  # fmt: skip
    """The answer the claim's request gave, for its repeats."""
    await redis.set(KEY_PREFIX + key, json.dumps({"action": action, "target": target, "answer": answer}), ex=ttl_s)


async def release(redis: aioredis.Redis, key: str) -> None:
    """Give the key back when the request did not act (refused), so that it may be used again."""
    await redis.delete(KEY_PREFIX + key)
