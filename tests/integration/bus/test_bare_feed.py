"""The feed-book bench's baseline forwarder: each price change of each frame on the stream once,
its receive-to-stream figures written at SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from websockets.asyncio.server import ServerConnection, serve

from bench import bare_feed
from bench.feed_book import TOKENS, book_frame, change_frame

pytestmark = pytest.mark.integration


async def test_the_bare_forwarder_writes_every_change_once_and_reports_its_figures(
    redis_url: str, repo_root: Path
) -> None:
    subscribed = asyncio.Event()
    done = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.send("[" + ",".join(book_frame(t) for t in TOKENS) + "]")  # snapshots: not forwarded
        subscribed.set()
        for seq in range(1, 4):
            await ws.send(change_frame(seq))
        await done.wait()

    client = aioredis.Redis.from_url(redis_url)
    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "bench.bare_feed", redis_url, f"ws://127.0.0.1:{port}",
                                 "bare:book"], cwd=repo_root)  # fmt: skip
        try:
            await asyncio.wait_for(subscribed.wait(), 20)
            for _ in range(400):
                if await client.exists("bare:book") and await client.xlen("bare:book") >= 3:
                    break
                await asyncio.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(proc.wait, 20) == 0
        finally:
            done.set()
            proc.kill()
    entries = await client.xrange("bare:book")
    assert [f[b"size"] for _, f in entries] == [b"1", b"2", b"3"]
    assert [f[b"asset"] for _, f in entries] == [TOKENS[1].encode(), TOKENS[0].encode(), TOKENS[1].encode()]
    result = {k.decode(): float(v) for k, v in (await client.hgetall(bare_feed.RESULT_KEY)).items()}
    assert result["count"] == 3
    assert 0 < result["p50_ms"] <= result["p99_ms"] < 20_000
    await client.aclose()
