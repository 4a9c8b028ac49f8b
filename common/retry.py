"""Exponential backoff with full jitter and a cap."""

from __future__ import annotations

import random


class Backoff:
    """Delays of ``uniform(0, min(cap, initial * 2**attempt))``; :meth:`reset` after a success."""

    def __init__(self, initial_ms: int, max_ms: int, rng: random.Random | None = None) -> None:
        if initial_ms <= 0 or max_ms < initial_ms:
            raise ValueError(f"backoff needs 0 < initial_ms <= max_ms, got {initial_ms}, {max_ms}")
        self._initial_ms = initial_ms
        self._max_ms = max_ms
        self._rng = rng or random.Random()
        self.attempt = 0

    def next_delay_s(self) -> float:
        ceiling = min(self._max_ms, self._initial_ms * (1 << min(self.attempt, 30)))
        self.attempt += 1
        # Never zero: a retry storm against a recovering server is what backoff is for.
        return max(self._initial_ms / 4, self._rng.uniform(0, ceiling)) / 1000.0

    def reset(self) -> None:
        self.attempt = 0
