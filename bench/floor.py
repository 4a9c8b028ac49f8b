"""The machine's own floor, measured next to a latency figure.

A bare round trip (a PING written on a plain socket, its PONG read back) between this process and
the same Redis, paced like the run it stands beside: two process wake-ups and nothing of updown's.
A bus hop needs at least two of those round trips' worth of wake-ups, so when the floor's p99 is
near a target, no code of ours can meet it on this machine at that moment; when the floor is
low and the figure high, the gap is ours.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlparse

from bench.pace import paced
from bench.stats import percentile

#: How long the floor is sampled.
FLOOR_S = 3.0


async def ping_floor(url: str, rate: float, seconds: float = FLOOR_S) -> str:
    """One line: the bare round trip's p50, p99 and max at ``rate`` per second, in µs."""
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        reader, writer = await asyncio.open_unix_connection(parsed.path)
    elif parsed.scheme == "redis":
        reader, writer = await asyncio.open_connection(parsed.hostname or "127.0.0.1", parsed.port or 6379)
    else:
        return f"machine floor: not measured over {parsed.scheme}://"
    if parsed.password:
        user = [parsed.username.encode()] if parsed.username else []
        writer.write(_command(b"AUTH", *user, parsed.password.encode()))
        await reader.readline()
    samples: list[float] = []
    try:
        async for _ in paced(rate, int(rate * seconds)):
            started = time.perf_counter_ns()
            writer.write(b"PING\r\n")
            await reader.readline()
            samples.append((time.perf_counter_ns() - started) / 1000)
    finally:
        writer.close()
    samples.sort()
    return (f"machine floor (bare PING round trip to the same Redis at {rate:,.0f}/s): "
            f"p50 {percentile(samples, 50):.0f} µs, p99 {percentile(samples, 99):.0f} µs, "
            f"max {samples[-1]:.0f} µs")  # fmt: skip


def _command(*parts: bytes) -> bytes:
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
