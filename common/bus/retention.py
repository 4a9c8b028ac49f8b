"""The periodic trims a worker owes: the streams it writes, and the dead letters of those it reads.

Each stream has one writer (the design's rule), and that writer bounds it (``streams.Retention``):

- PENDING_SAFE: below the oldest entry some group still needs (``Writer.trim_pending_safe``); then,
  should a group have stopped reading, to ``bus.stream_maxlen`` whatever it has pending, loudly.
- STALE_AFTER (intents): first everything older than ``bus.intent_max_age_s`` (an intent past its
  ``valid_until`` is dropped by the executor anyway), then as PENDING_SAFE.
- DEAD_LETTERS: a stream's readers write its ``:dlq``, so they bound it to ``bus.dlq_maxlen``.

BOUNDED and CAPPED streams are trimmed on every XADD by whoever writes them; nothing to do here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from common.bus import streams
from common.bus.writer import Writer
from common.clock import Clock
from common.config.settings import BusSettings


class Trimmer:
    """Bounds the streams of one worker, at most every ``bus.trim_interval_s``."""

    def __init__(self, redis: Any, writer: Writer, cfg: BusSettings, clock: Clock, log: Any) -> None:
        self._redis = redis
        self._writer = writer
        self._cfg = cfg
        self._clock = clock
        self._log = log
        self._last_ms: int | None = None

    async def maybe_trim(self, written: Iterable[str], read: Iterable[str]) -> bool:
        """Trim now if the interval has passed since the last time; True if it did."""
        now = self._clock.now_ms()
        if self._last_ms is not None and now - self._last_ms < self._cfg.trim_interval_s * 1000:
            return False
        await self.trim(written, read)
        self._last_ms = now
        return True

    async def trim(self, written: Iterable[str], read: Iterable[str]) -> None:
        for stream in dict.fromkeys(written):
            await self.trim_written(stream)
        for stream in dict.fromkeys(read):
            await self.cap(streams.dlq(stream), self._cfg.dlq_maxlen, pending_safe=False)

    async def trim_written(self, stream: str) -> int:
        """Bound one stream this worker writes; returns the entries removed."""
        policy = streams.retention(stream)
        if policy not in (streams.Retention.PENDING_SAFE, streams.Retention.STALE_AFTER):
            return 0
        removed = 0
        if policy is streams.Retention.STALE_AFTER:
            oldest_ms = max(0, self._clock.now_ms() - self._cfg.intent_max_age_s * 1000)
            # Exact, not ``~``: an intent stream is short, and approximate trimming keeps whole nodes.
            removed += int(await self._redis.xtrim(stream, minid=f"{oldest_ms}-0", approximate=False))
        removed += await self._writer.trim_pending_safe(stream)
        return removed + await self.cap(stream, self._cfg.stream_maxlen, pending_safe=True)

    async def cap(self, stream: str, maxlen: int, *, pending_safe: bool) -> int:
        """Drop the oldest entries of ``stream`` beyond ``maxlen`` (none when at or below it)."""
        length = int(await self._redis.xlen(stream))
        if length <= maxlen:
            return 0
        dropped = int(await self._redis.xtrim(stream, maxlen=maxlen, approximate=False))
        # A money stream this long has a group that stopped reading; a dead-letter stream this long
        # has a fault nobody looked at. Either way an operator must know what went.
        log = self._log.critical if pending_safe else self._log.warning
        log("stream_capped", stream=stream, dropped=dropped, maxlen=maxlen, length=length)
        return dropped
