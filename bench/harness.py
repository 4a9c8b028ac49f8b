"""What the latency benches start around their runs: the venue in a process of its own on a free
port and an embedded Redis, both stopped at the end whatever happens."""

from __future__ import annotations

import multiprocessing
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common.redis_server import EmbeddedRedis, free_port


@contextmanager
def venue_and_redis(serve: Callable[..., None], *args: Any) -> Iterator[tuple[str, EmbeddedRedis, Path]]:
    """``serve(port, *args)`` spawned, then a Redis in a temporary folder: (CLOB url, Redis, folder)."""
    port = free_port()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(port, *args), daemon=True)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            redis = EmbeddedRedis(Path(tmp) / "redis").start()
            try:
                yield f"http://127.0.0.1:{port}", redis, Path(tmp)
            finally:
                redis.stop()
    finally:
        server.terminate()
        server.join(10)
