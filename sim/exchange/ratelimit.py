"""Per-signer token buckets (the venue's trading rate limiter)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BucketState:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int


class TokenBuckets:
    """One bucket per key; a request costing more tokens than are left is refused whole.

    Costs known only after the fact (cancel-all) are charged with :meth:`debit`, which may take a
    bucket below zero so that the debt is paid by later requests.
    """

    def __init__(self, clock: Callable[[], float], rate_per_s: float, burst: int) -> None:
        self._clock = clock
        self._rate = rate_per_s
        self._burst = burst
        self._tokens: dict[str, float] = {}
        self._stamp: dict[str, float] = {}

    def _refill(self, key: str) -> float:
        now = self._clock()
        tokens = self._tokens.get(key, float(self._burst))
        last = self._stamp.get(key, now)
        tokens = min(float(self._burst), tokens + (now - last) * self._rate)
        self._tokens[key], self._stamp[key] = tokens, now
        return tokens

    def take(self, key: str, cost: int) -> BucketState:
        tokens = self._refill(key)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
            self._tokens[key] = tokens
        return self._state(tokens, allowed, cost)

    def debit(self, key: str, cost: int) -> None:
        self._tokens[key] = self._refill(key) - cost

    def peek(self, key: str) -> BucketState:
        return self._state(self._refill(key), True, 0)

    def _state(self, tokens: float, allowed: bool, cost: int) -> BucketState:
        missing = max(0.0, (cost if not allowed else 0) - tokens)
        return BucketState(
            allowed=allowed,
            limit=self._burst,
            remaining=max(0, int(tokens)),
            reset_s=math.ceil(missing / self._rate) if missing else 0,
        )
