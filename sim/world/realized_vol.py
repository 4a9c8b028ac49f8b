"""A running estimate of an asset's volatility from its lead feed, as a trader would keep one: an
exponentially weighted mean of squared log returns over ``RETURN_MS`` (five seconds: long enough
that the lead's own one-second smoothing does not bias it low), annualised."""

from __future__ import annotations

import math

SECONDS_PER_YEAR = 365.0 * 86_400
#: Half-life of the estimate's weights, in seconds of returns (5 minutes: it follows a regime switch
#: within a window, and one jump does not dominate it).
HALF_LIFE_S = 300.0
#: The estimate before any return is seen, and its floor (annualised).
PRIOR_VOL = 0.384
FLOOR_VOL = 0.05
#: Spacing of the returns the estimate uses.
RETURN_MS = 5_000


class RealizedVol:
    def __init__(self, prior: float = PRIOR_VOL, half_life_s: float = HALF_LIFE_S) -> None:
        self._var_per_s = prior**2 / SECONDS_PER_YEAR
        self._decay_per_s = 0.5 ** (1 / half_life_s)
        self._last: tuple[int, float] | None = None

    def update(self, t_ms: int, price: float) -> None:
        """A print at ``t_ms``; a return is taken once ``RETURN_MS`` have passed since the last one
        used (a longer gap counts as its own length of variance)."""
        if price <= 0 or (self._last is not None and t_ms - self._last[0] < RETURN_MS):
            return  # a print of zero (a price under the feed's quantum) has no return
        if self._last is not None:
            dt_s = (t_ms - self._last[0]) / 1000
            r2_per_s = math.log(price / self._last[1]) ** 2 / dt_s
            keep = self._decay_per_s**dt_s
            self._var_per_s = keep * self._var_per_s + (1 - keep) * r2_per_s
        self._last = (t_ms, price)

    @property
    def annual(self) -> float:
        return max(math.sqrt(self._var_per_s * SECONDS_PER_YEAR), FLOOR_VOL)
