"""Every worker's name and the module that declares it: a table of strings, no imports of workers.

``workers.registry`` loads a worker from it; the control API and ``updown ctl`` check a command's
target against it (a worker never imports another, but any of them may read this list).
"""

from __future__ import annotations

import redis.asyncio as aioredis

from common.runner.health import KEY_PREFIX

WORKER_MODULES: dict[str, str] = {
    "hb-producer": "workers.heartbeat.producer",
    "hb-relay": "workers.heartbeat.relay",
    "discovery": "workers.discovery.worker",
    "feed-book": "workers.feed_book.worker",
    "feed-user": "workers.feed_user.worker",
    "feed-ref": "workers.feed_ref.worker",
    "alpha": "workers.alpha.worker",
    "quoter": "workers.quoter.worker",
    "control": "workers.control.worker",
    "executor": "workers.executor.worker",
    "executor-paper": "workers.executor.paper_worker",
    "ledger": "workers.ledger.worker",
    "merger": "workers.merger.worker",
    "rewards": "workers.rewards.worker",
    "recorder": "workers.recorder.worker",
}

#: The names a control command may target, besides ``*`` (every worker).
WORKER_NAMES: frozenset[str] = frozenset(WORKER_MODULES)
#: The target meaning every worker.
EVERY_WORKER = "*"


async def is_known_target(redis: aioredis.Redis, target: str) -> bool:
    """Every worker, a worker by name, or a running instance (its health hash names it)."""
    return target == EVERY_WORKER or target in WORKER_NAMES or bool(await redis.exists(f"{KEY_PREFIX}{target}"))
