"""The embedded Redis killed -9 (as the soak does) comes back on its append-only file."""

from __future__ import annotations

import gc
import time
import warnings
from pathlib import Path

import pytest
import redis

from common.redis_server import EmbeddedRedis

pytestmark = pytest.mark.integration


def test_a_killed_embedded_redis_restarts_on_its_aof_with_its_data_and_leaves_no_pipe_open(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path).start()
    client = redis.Redis.from_url(server.url)
    client.xadd("fills", {"n": "1"})
    time.sleep(1.2)  # appendfsync everysec: the write is in the file's page cache by now
    client.close()

    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        server.kill()
        server.start()
        gc.collect()
    try:
        client = redis.Redis.from_url(server.url)
        assert client.xlen("fills") == 1
        client.close()
    finally:
        server.stop()
