"""Session fixtures: a real redis-server on a free loopback port (or REDIS_URL's, if set)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, settings

from common.redis_server import EmbeddedRedis

# No property test has a time limit: a deadline is a timing assertion, and on a shared 2-core VM
# whose host takes half its CPU time at moments, a 200 ms example budget failed tests that were
# right (merger ids, 658 ms under steal). Slow generation is not a failure either.
settings.register_profile("updown", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("updown")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis | None]:
    """The session's server: embedded (AOF on) unless REDIS_URL names one."""
    if os.environ.get("REDIS_URL"):
        yield None
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis | None) -> str:
    """A clean database for one test."""
    url = os.environ["REDIS_URL"] if redis_server is None else redis_server.url
    client = redis.Redis.from_url(url)
    client.flushall()
    client.close()
    return url


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
