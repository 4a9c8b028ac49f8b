"""EWMA volatility (and optional drift) of the oracle's log returns, per second.

The oracle is an aggregate that smooths: its one-second returns are positively autocorrelated, so
their variance understates the variance over a minute (by about half on the recorded 2026 days).
The estimate therefore uses overlapping returns over ``return_interval_s`` seconds, scaled to one
second (``r²/k``), updated every second; a feed gap counts for its length, so it does not inflate
the estimate.
"""

from __future__ import annotations

import math
from collections import deque

#: Per-second volatility below which the estimate is not trusted (35% a year).
DEFAULT_VOL_FLOOR_PER_SQRT_S = 0.35 / math.sqrt(365 * 86_400)
#: Seconds per return: long enough to see through the oracle's smoothing.
DEFAULT_RETURN_INTERVAL_S = 10
#: Returns beyond this many standard deviations are clipped (one bad print cannot blow it up).
DEFAULT_CLIP_SIGMAS = 8.0


class EwmaVolatility:
    """Variance per second of log returns, decayed with a half-life in seconds."""

    __slots__ = ("_clip", "_drift", "_floor", "_half_life_s", "_k", "_last_s", "_recent", "_var", "updates")

    def __init__(
        self,
        half_life_s: float,
        floor: float = DEFAULT_VOL_FLOOR_PER_SQRT_S,
        return_interval_s: int = DEFAULT_RETURN_INTERVAL_S,
        clip_sigmas: float = DEFAULT_CLIP_SIGMAS,
        initial: float | None = None,
    ) -> None:
        self._half_life_s = half_life_s
        self._floor = floor
        self._k = max(1, return_interval_s)
        self._clip = clip_sigmas
        self._var = (initial if initial is not None else floor) ** 2
        self._drift = 0.0
        self._last_s: int | None = None
        #: Log prices of the last ``k + 1`` seconds, forward-filled.
        self._recent: deque[float] = deque(maxlen=self._k + 1)
        self.updates = 0

    def retune(self, half_life_s: float, floor: float) -> None:
        """New parameters from the next update on; the estimate so far is kept."""
        self._half_life_s = half_life_s
        self._floor = floor

    @property
    def sigma(self) -> float:
        """Per-second volatility of log returns, at least the floor."""
        return max(math.sqrt(self._var), self._floor)

    @property
    def effective_returns(self) -> float:
        """Independent returns behind the estimate: the updates so far, at most the EWMA's effective
        sample (``2·half-life/ln 2`` seconds), in non-overlapping ``k``-second returns."""
        window = 2.0 * self._half_life_s / math.log(2.0)
        return min(float(self.updates), window) / self._k

    @property
    def drift(self) -> float:
        """EWMA of per-second log returns (the optional drift)."""
        return self._drift

    def update(self, second: int, price: float, half_life_s: float | None = None) -> None:
        """Feed the price in force at ``second``; a second already seen is ignored."""
        if price <= 0 or (self._last_s is not None and second <= self._last_s):
            return
        x = math.log(price)
        if self._last_s is None:
            self._last_s = second
            self._recent.append(x)
            return
        dt = second - self._last_s
        fill = self._recent[-1]
        for _ in range(min(dt - 1, self._k)):
            self._recent.append(fill)
        self._recent.append(x)
        self._last_s = second
        span = len(self._recent) - 1
        r = x - self._recent[0]
        bound = self._clip * math.sqrt(self._var * span)
        r = max(-bound, min(bound, r))
        alpha = 1.0 - 0.5 ** (dt / (half_life_s or self._half_life_s))
        self._var += alpha * (r * r / span - self._var)
        self._drift += alpha * (r / span - self._drift)
        self.updates += 1
