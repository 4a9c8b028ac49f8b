"""A feed under a Redis outage: a real feed-ref process fed by a fast websocket, its real
redis-server stopped for a few seconds and started again (on its AOF). Its entries flow again
afterwards, its backlog stayed within its bound, what it dropped is counted, and the feed said it
was down (metrics at once; ``feeds``, ``state:feeds`` and the health hash once Redis was back)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.request
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from common.bus import streams
from common.bus.codec import decode
from common.redis_server import EmbeddedRedis, free_port
from common.schemas.base import load_all
from common.schemas.feed import FeedStatus
from tests.integration.bus.procs import start_worker, stop

pytestmark = [pytest.mark.integration, pytest.mark.slow]
#: The feed's backlog bound in this test (the setting's smallest allowed value).
BACKLOG_MAX = 1_000
#: How long Redis stays away: long enough for several times the bound to arrive meanwhile.
OUTAGE_S = 4.0


def tick(seq: int) -> str:
    """A Binance price on RTDS whose value is its sequence number."""
    ts = int(time.time() * 1000)
    payload = {"symbol": "btcusdt", "timestamp": ts, "value": seq}
    return json.dumps({"topic": "crypto_prices", "type": "update", "timestamp": ts, "payload": payload})


def metric(port: int, name: str, **labels: str) -> float | None:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return None
    for line in text.splitlines():
        head, _, value = line.rpartition(" ")
        if head.startswith(f"{name}{{") and all(f'{k}="{v}"' in head for k, v in labels.items()):
            return float(value)
    return None


async def seqs(client: aioredis.Redis) -> list[int]:
    return [decode(f).body.value_e18 // 10**18 for _, f in await client.xrange(streams.ref("btc"))]  # type: ignore[attr-defined]


async def until(condition: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


async def test_a_feed_resumes_after_redis_comes_back_with_a_bounded_backlog_and_says_it_was_down(
    tmp_path: Path,
) -> None:
    load_all()
    server = EmbeddedRedis(tmp_path / "redis").start()
    sent = 0
    sending = asyncio.Event()
    sending.set()

    async def rtds(ws: ServerConnection) -> None:
        nonlocal sent
        await ws.recv()  # the subscription
        with contextlib.suppress(ConnectionClosed):
            while True:
                await sending.wait()
                for _ in range(10):
                    sent += 1
                    await ws.send(tick(sent))
                await asyncio.sleep(0.005)  # about 2 000 ticks a second

    metrics_port = free_port()
    async with serve(rtds, "127.0.0.1", 0) as ws_server:
        ws_port = ws_server.sockets[0].getsockname()[1]
        feed = start_worker("feed-ref", server.url, tmp_path, "feed-ref-0", UPDOWN_SERIES='["btc-5m"]',
                            UPDOWN_VENUE__RTDS_URL=f"ws://127.0.0.1:{ws_port}", UPDOWN_FEED_REF__TRANSPORT="rtds",
                            UPDOWN_BUS__PUBLISH_BACKLOG_MAX=str(BACKLOG_MAX), UPDOWN_REDIS__RECONNECT_MAX_MS="300",
                            UPDOWN_RUNNER__METRICS_PORT=str(metrics_port))  # fmt: skip
        client = aioredis.Redis.from_url(server.url)
        try:
            await until(lambda: _has_entries(client), 30, "the first ticks on ref.btc")
            await asyncio.sleep(1.2)  # appendfsync everysec: the entries so far survive the restart
            before = max(await seqs(client))

            await asyncio.to_thread(server.stop)
            stopped_at = sent
            backlog_seen: list[float] = []
            up_seen: list[float] = []
            deadline = time.monotonic() + OUTAGE_S
            while time.monotonic() < deadline:
                backlog = await asyncio.to_thread(metric, metrics_port, "updown_bus_backlog_entries", worker="feed-ref")
                up = await asyncio.to_thread(metric, metrics_port, "updown_feed_up", worker="feed-ref", feed="ref")
                backlog_seen += [backlog] if backlog is not None else []
                up_seen += [up] if up is not None else []
                await asyncio.sleep(0.2)
            assert sent - stopped_at > 2 * BACKLOG_MAX, "the outage was too short to fill the backlog"
            assert feed.poll() is None, "the feed died while Redis was away"
            assert 0.0 in up_seen, "the feed did not say it was down while it could not write"
            # Paused while Redis starts again: what came during the outage is what the backlog holds.
            sending.clear()
            paused_at = sent
            await asyncio.sleep(0.5)
            await asyncio.to_thread(server.start)
            sending.set()

            await client.aclose()
            client = aioredis.Redis.from_url(server.url)
            await until(lambda: _has_seq_above(client, paused_at), 30, "ticks sent after the restart")
            dropped = await asyncio.to_thread(metric, metrics_port, "updown_bus_backlog_dropped_total",
                                              worker="feed-ref")  # fmt: skip
            written = await seqs(client)
            statuses = [decode(f).body for _, f in await client.xrange(streams.FEEDS)]
            feeds_state = json.loads((await client.hget("state:feeds", "ref")) or b"{}")
            health = await client.hgetall("health:feed-ref-0")
        finally:
            code = await asyncio.to_thread(stop, feed)
            await client.aclose()
            await asyncio.to_thread(server.stop)

    assert code == 0
    # In order, nothing lost before the outage; of what came during it, at most the bound was kept.
    first = [n for i, n in enumerate(written) if n not in written[:i]]
    assert first == sorted(first)
    assert set(range(1, before + 1)) <= set(written)
    during = [n for n in first if stopped_at < n <= paused_at]
    assert 0 < len(during) <= BACKLOG_MAX
    assert during == list(range(paused_at - len(during) + 1, paused_at + 1)), "not the newest that were kept"
    assert backlog_seen and max(backlog_seen) <= BACKLOG_MAX
    assert dropped is not None and dropped >= (paused_at - stopped_at) - len(during) > 0
    # The outage is on record: down (it could not write), then up with the gap; up now everywhere.
    ref = [s for s in statuses if isinstance(s, FeedStatus) and s.feed == "ref"]
    down = next(i for i, s in enumerate(ref) if s.state == "down" and "cannot write to Redis" in s.reason)
    assert any(s.state == "up" and s.gap_ms > 0 for s in ref[down + 1 :])
    assert feeds_state["state"] == "up"
    assert health[b"feed.ref"] == b"up"


async def _has_entries(client: aioredis.Redis) -> bool:
    return bool(await client.exists(streams.ref("btc"))) and await client.xlen(streams.ref("btc")) > 10


async def _has_seq_above(client: aioredis.Redis, seq: int) -> bool:
    try:
        return bool(await client.exists(streams.ref("btc"))) and max(await seqs(client)) > seq
    except OSError:
        return False
