"""What Redis holds: its memory and the length of every stream, for the soak and for operators.

``redis_memory`` answers the question a long run asks: does memory level off? Call it at the start
and the end (or every minute) and compare; every stream is bounded (``common/bus/streams.py``), so
``used_memory`` should stop growing once the bounds are reached, and ``streams`` says which stream
grew when it does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Keys examined per SCAN call when listing the streams.
SCAN_COUNT = 1_000


@dataclass(frozen=True, slots=True)
class RedisMemory:
    """Redis's memory (``INFO memory``) and the length of each stream, at one moment."""

    #: Bytes Redis has allocated for data (``used_memory``).
    used_memory_bytes: int
    #: Peak of ``used_memory`` since the server started.
    used_memory_peak_bytes: int
    #: The configured cap (``maxmemory``; 0: none) and what happens at it.
    maxmemory_bytes: int
    maxmemory_policy: str
    #: Every stream's name and length (``XLEN``), by name.
    streams: dict[str, int]

    @property
    def stream_entries(self) -> int:
        return sum(self.streams.values())

    def as_dict(self) -> dict[str, Any]:
        return {"used_memory_bytes": self.used_memory_bytes, "used_memory_peak_bytes": self.used_memory_peak_bytes,
                "maxmemory_bytes": self.maxmemory_bytes, "maxmemory_policy": self.maxmemory_policy,
                "stream_entries": self.stream_entries, "streams": dict(self.streams)}  # fmt: skip


async def redis_memory(redis: Any) -> RedisMemory:
    """Measure Redis now (``redis`` is a redis-py asyncio client; read-only commands)."""
    info = await redis.info("memory")
    lengths: dict[str, int] = {}
    async for key in redis.scan_iter(count=SCAN_COUNT, _type="stream"):
        name = key.decode() if isinstance(key, bytes) else str(key)
        lengths[name] = int(await redis.xlen(name))
    return RedisMemory(
        used_memory_bytes=int(info["used_memory"]),
        used_memory_peak_bytes=int(info.get("used_memory_peak", info["used_memory"])),
        maxmemory_bytes=int(info.get("maxmemory", 0)),
        maxmemory_policy=str(info.get("maxmemory_policy", "")),
        streams=dict(sorted(lengths.items())),
    )
