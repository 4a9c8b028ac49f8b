"""The control API on a test server against the session's real Redis, with a known bearer token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from common.bus import streams
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from workers.control.app import make_app

TOKEN = "test-token-not-a-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def api(redis_url: str) -> AsyncIterator[tuple[TestClient, aioredis.Redis]]:  # type: ignore[type-arg]
    redis = aioredis.Redis.from_url(redis_url)
    settings = load_settings(env={"REDIS_URL": redis_url})
    settings = settings.model_copy(update={"control": settings.control.model_copy(update={"token": SecretStr(TOKEN)})})
    client = TestClient(TestServer(make_app(redis, settings, SYSTEM_CLOCK)))
    await client.start_server()
    yield client, redis
    await client.close()
    await redis.aclose()


async def ctl_entries(redis: aioredis.Redis) -> int:
    return int(await redis.xlen(streams.CTL)) if await redis.exists(streams.CTL) else 0
