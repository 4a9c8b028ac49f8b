"""Redis connections built from settings: binary-safe, with read timeouts longer than any block."""

from __future__ import annotations

import redis.asyncio as aioredis

from common.config.settings import RedisSettings

#: Where a worker looks when the config names no server (``make run`` sets REDIS_URL for it).
FALLBACK_URL = "redis://127.0.0.1:6379/0"


def connect(cfg: RedisSettings, *, client_name: str | None = None) -> aioredis.Redis:
    """An asyncio client. Responses stay bytes: bodies are msgpack."""
    return aioredis.Redis.from_url(
        cfg.url or FALLBACK_URL,
        decode_responses=False,
        socket_timeout=cfg.socket_timeout_ms / 1000,
        socket_connect_timeout=cfg.connect_timeout_ms / 1000,
        health_check_interval=30,
        client_name=client_name,
    )
