"""Redis is capped and never evicts; the memory helper says what it holds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis

from common.config import load_settings
from common.ops.memory import redis_memory
from common.redis_server import EmbeddedRedis

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def test_the_embedded_redis_has_a_memory_cap_and_never_evicts(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "redis", maxmemory_mb=64) as server:
        client = redis.Redis.from_url(server.url)
        config = client.config_get("maxmemory*")
        client.close()

    assert int(config["maxmemory"]) == 64 * 1024 * 1024
    assert config["maxmemory-policy"] == "noeviction"


def test_the_default_cap_is_the_named_setting(tmp_path: Path) -> None:
    settings = load_settings(env={})
    with EmbeddedRedis(tmp_path / "redis") as server:
        client = redis.Redis.from_url(server.url)
        maxmemory = int(client.config_get("maxmemory")["maxmemory"])
        client.close()

    assert settings.redis.maxmemory_mb > 0
    assert maxmemory == settings.redis.maxmemory_mb * 1024 * 1024


def test_the_deployed_redis_conf_caps_memory_without_eviction() -> None:
    conf = (ROOT / "conf" / "deploy" / "redis" / "redis.conf").read_text()

    lines = [line.split() for line in conf.splitlines() if line and not line.startswith("#")]
    settings = {words[0]: words[1] for words in lines if len(words) >= 2}
    assert re.fullmatch(r"[1-9][0-9]*(mb|gb)", settings.get("maxmemory", ""))
    assert settings["maxmemory-policy"] == "noeviction"


async def test_the_memory_helper_reports_used_memory_and_every_streams_length(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    for i in range(3):
        await client.xadd("fills", {"n": i})
    await client.xadd("intent.btc-15m", {"n": 1})
    await client.set("not-a-stream", "x")

    memory = await redis_memory(client)

    assert memory.used_memory_bytes > 0
    assert memory.maxmemory_policy == "noeviction"
    assert memory.streams == {"fills": 3, "intent.btc-15m": 1}
    assert memory.as_dict()["stream_entries"] == 4
    await client.aclose()
