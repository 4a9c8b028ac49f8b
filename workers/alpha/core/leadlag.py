"""The lead: Binance moves before Chainlink. Estimate the lag and the basis, flag a fast move.

Both feeds are sampled once a second. The basis is an EWMA of ``ln(oracle) − ln(lead)`` at the same
second. The lag is the shift ``L`` (0..max) that maximises the EWMA covariance of the oracle's
return at ``t`` with the lead's return at ``t − L``. The lead-implied oracle price is
``lead × e^basis``: the price the oracle will show about ``L`` seconds from now.
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple


class LeadState(NamedTuple):
    """What the lead says now."""

    lag_s: int
    basis: float
    #: ``lead × e^basis``: where the oracle is heading (None without a lead price).
    implied_oracle: float | None
    #: ``ln(implied / oracle)``: how far the lead is ahead of the oracle.
    gap: float
    #: +1 / −1 when the lead has moved beyond the threshold before the oracle shows it, else 0.
    fast_move: int


class LeadLag:
    """Per-second lead and oracle log prices, the basis and the lag."""

    __slots__ = (
        "_basis",
        "_cov",
        "_half_life_s",
        "_lead",
        "_lead_s",
        "_max_lag_s",
        "_oracle",
        "_oracle_s",
        "samples",
    )

    def __init__(self, max_lag_s: int = 5, half_life_s: float = 120.0) -> None:
        self._max_lag_s = max_lag_s
        self._half_life_s = half_life_s
        self._lead: deque[float] = deque(maxlen=2 * max_lag_s + 4)
        self._lead_s: int | None = None
        self._oracle: float | None = None
        self._oracle_s: int | None = None
        self._basis: float | None = None
        self._cov = [0.0] * (max_lag_s + 1)
        self.samples = 0

    @property
    def max_lag_s(self) -> int:
        return self._max_lag_s

    @property
    def half_life_s(self) -> float:
        return self._half_life_s

    def on_lead(self, second: int, price: float) -> None:
        if price <= 0:
            return
        x = math.log(price)
        if self._lead_s is None or second > self._lead_s:
            gap = 1 if self._lead_s is None else min(second - self._lead_s, 2 * self._max_lag_s + 4)
            fill = self._lead[-1] if self._lead else x
            for _ in range(gap - 1):
                self._lead.append(fill)
            self._lead.append(x)
            self._lead_s = second
        elif second == self._lead_s:
            self._lead[-1] = x

    def on_oracle(self, second: int, price: float) -> None:
        if price <= 0:
            return
        y = math.log(price)
        previous, previous_s = self._oracle, self._oracle_s
        self._oracle, self._oracle_s = y, second
        if self._lead_s is None or not self._lead or previous is None or previous_s is None:
            return
        if second != previous_s + 1 or self._lead_s < second:
            return
        alpha = 1.0 - 0.5 ** (1.0 / self._half_life_s)
        lead_now = self._lead[-1 - (self._lead_s - second)] if self._lead_s - second < len(self._lead) else None
        if lead_now is None:
            return
        basis = y - lead_now
        self._basis = basis if self._basis is None else self._basis + alpha * (basis - self._basis)
        r_oracle = y - previous
        offset = self._lead_s - second
        for lag in range(self._max_lag_s + 1):
            i = len(self._lead) - 1 - offset - lag
            if i < 1:
                break
            r_lead = self._lead[i] - self._lead[i - 1]
            self._cov[lag] += alpha * (r_oracle * r_lead - self._cov[lag])
        self.samples += 1

    def state(self, sigma: float, threshold_sigmas: float, min_gap: float) -> LeadState:
        """The lag, basis, implied oracle price and fast-move flag given the oracle's volatility."""
        lag = max(range(len(self._cov)), key=lambda i: self._cov[i]) if self.samples else 0
        basis = self._basis or 0.0
        if not self._lead or self._oracle is None:
            return LeadState(lag, basis, None, 0.0, 0)
        implied_log = self._lead[-1] + basis
        gap = implied_log - self._oracle
        threshold = max(min_gap, threshold_sigmas * sigma * math.sqrt(lag + 1))
        fast = 0 if abs(gap) <= threshold else (1 if gap > 0 else -1)
        return LeadState(lag, basis, math.exp(implied_log), gap, fast)
