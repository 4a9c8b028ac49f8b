"""Redis connections built from settings: binary-safe, with read timeouts longer than any block."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import hiredis
import redis
import redis.asyncio as aioredis
from redis.asyncio.connection import Connection
from redis.maint_notifications import MaintNotificationsConfig

from common.config.settings import RedisSettings

#: Where a worker looks when the config names no server (``make run`` sets REDIS_URL for it).
FALLBACK_URL = "redis://127.0.0.1:6379/0"


class HiredisPackingConnection(Connection):  # type: ignore[misc]
    """redis-py's asyncio connection packs commands in pure Python (about 5 µs per argument);
    hiredis packs a whole envelope in about 2 µs. Same protocol bytes, same semantics."""

    def pack_command(self, *args: Any) -> list[bytes]:
        first = args[0]
        if (isinstance(first, str) and " " in first) or (isinstance(first, bytes) and b" " in first):
            args = (*first.split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError:
            # hiredis packs bytes, str, int and float; anything else (a memoryview) as bytes.
            return [hiredis.pack_command(tuple(a if isinstance(a, bytes | str | int | float) else bytes(a)
                                               for a in args))]  # fmt: skip


def connect(cfg: RedisSettings, *, client_name: str | None = None, user: tuple[str, str] | None = None,
            ) -> aioredis.Redis:  # fmt: skip
    """An asyncio client. Responses stay bytes: bodies are msgpack. ``user`` (name, password) replaces
    the URL's credentials: a worker's own ACL user."""
    url = cfg.url.get_secret_value() if cfg.url else FALLBACK_URL
    pool = aioredis.ConnectionPool.from_url(
        url if user is None else with_user(url, *user),
        connection_class=HiredisPackingConnection,
        decode_responses=False,
        socket_timeout=cfg.socket_timeout_ms / 1000,
        socket_connect_timeout=cfg.connect_timeout_ms / 1000,
        health_check_interval=30,
        client_name=client_name,
        # Its handshake (CLIENT MAINT_NOTIFICATIONS, for managed clusters that move) is a command a
        # worker's ACL user may not run, and Redis would log every refusal.
        maint_notifications_config=MaintNotificationsConfig(enabled=False),
    )
    return aioredis.Redis.from_pool(pool)  # the client owns its pool: ``aclose`` closes its connections


def connect_sync(cfg: RedisSettings, *, client_name: str | None = None, user: tuple[str, str] | None = None,
                 ) -> redis.Redis:  # fmt: skip
    """A blocking client with the same URL, user and timeouts (for reads that run in a thread, such
    as the view of ``updown top`` that the control API's page samples)."""
    url = cfg.url.get_secret_value() if cfg.url else FALLBACK_URL
    return redis.Redis.from_url(
        url if user is None else with_user(url, *user),
        socket_timeout=cfg.socket_timeout_ms / 1000,
        socket_connect_timeout=cfg.connect_timeout_ms / 1000,
        client_name=client_name,
        maint_notifications_config=MaintNotificationsConfig(enabled=False),
    )


def with_user(url: str, user: str, password: str) -> str:
    """``url`` with ``user:password@`` as its credentials (any it had are dropped)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"))
