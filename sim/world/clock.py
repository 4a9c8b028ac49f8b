"""Clocks for the emulator: one that follows the wall, one that tests step by hand.

Both answer ``now_ms()`` (integer Unix milliseconds) and ``now_s()`` (integer Unix seconds), and
are callable (``clock()`` is ``clock.now_ms()``) for code that takes a plain function.
"""

from __future__ import annotations

import time


class SimClock:
    """A clock that only moves when told to: deterministic time for tests and replays."""

    def __init__(self, start_ms: int) -> None:
        self._now_ms = int(start_ms)

    def now_ms(self) -> int:
        return self._now_ms

    def now_s(self) -> int:
        return self._now_ms // 1000

    def __call__(self) -> int:
        return self._now_ms

    def advance_ms(self, delta_ms: int) -> int:
        if delta_ms < 0:
            raise ValueError("a clock never runs backwards")
        self._now_ms += int(delta_ms)
        return self._now_ms

    def set_ms(self, now_ms: int) -> None:
        if now_ms < self._now_ms:
            raise ValueError("a clock never runs backwards")
        self._now_ms = int(now_ms)


class WallClock:
    """Wall time, optionally shifted by a fixed offset (so a replay can start at a chosen instant)."""

    def __init__(self, offset_ms: int = 0) -> None:
        self._offset_ms = int(offset_ms)

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self._offset_ms

    def now_s(self) -> int:
        return self.now_ms() // 1000

    def __call__(self) -> int:
        return self.now_ms()
