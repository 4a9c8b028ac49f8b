"""The bus bench's baseline: a bare relay, what any relay gets on this machine.

The same stream, group, codec, output and batch script (``EMIT_BATCH``) as the ``hb-relay``
worker, on the same lanes, and nothing else: no runner, metrics, control stream, health key,
claim sweeps or dead letters, and each batch's script awaited before the next read. Its hop, the
envelope's emit stamp to the script answered, is kept for every message and written at SIGTERM
to ``bench:bare`` (``p50_ms``, ``p99_ms``, ``count``).

    python -m bench.bare_relay REDIS_URL
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
import uvloop
from redis.exceptions import ResponseError

from bench.stats import write_percentiles
from common.bus import streams
from common.bus.codec import decode, encode
from common.bus.lane import LaneScript, open_lane
from common.bus.scripts import EMIT_BATCH
from common.bus.writer import Writer
from common.clock import SYSTEM_CLOCK
from common.schemas.heartbeat import Heartbeat, HeartbeatSeen

GROUP = "hb-relay"
RESULT_KEY = "bench:bare"


def emit_args(group: str, marker: object, entries: Sequence[tuple[bytes, Any]]) -> tuple[list[object], list[float]]:
    """The EMIT_BATCH arguments that relay ``entries`` (each a heartbeat seen, acked in ``group``),
    and the entries' emit stamps: all a bare relay does per batch."""
    args: list[object] = [group, marker]
    emitted = []
    for entry_id, fields in entries:
        assert fields is not None
        env = decode(fields, entry_id.decode())
        assert isinstance(env.body, Heartbeat)
        out = encode(HeartbeatSeen(seq=env.body.seq, producer=env.body.producer, relay="bare", hop_us=0),
                     src="bare", key=env.key, event_ms=env.event_ms, ingest_ms=env.ingest_ms,
                     emit_ms=SYSTEM_CLOCK.stamp_ms())  # fmt: skip
        args += [entry_id, 1, 2, 0, len(out)]
        for name, value in out.items():
            args += [name, value]
        emitted.append(env.emit_ms)
    return args, emitted


async def relay(url: str) -> None:
    client = aioredis.Redis.from_url(url)
    try:
        await client.xgroup_create(streams.HEARTBEAT, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
    reads, writes, script = open_lane(client), open_lane(client), LaneScript(EMIT_BATCH)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    marker = Writer.marker(streams.HEARTBEAT, GROUP, "")
    hops: list[float] = []
    while not stop.is_set():
        entries = await reads.xreadgroup(GROUP, "bare", streams.HEARTBEAT, ">", count=256, block_ms=200)
        if not entries:
            continue
        args, emitted = emit_args(GROUP, marker, entries)
        await writes.evalsha(script, [streams.HEARTBEAT, streams.HEARTBEAT_SEEN], args)
        now = SYSTEM_CLOCK.stamp_ms()
        hops += [now - emit_ms for emit_ms in emitted]
    await write_percentiles(client, RESULT_KEY, hops)
    await reads.aclose()
    await writes.aclose()
    await client.aclose()


if __name__ == "__main__":
    uvloop.run(relay(sys.argv[1]))
