"""The emulator's own Chainlink 60-second TWAP: its own sampling of its own oracle, not the bot's averaging.

How Chainlink samples its TWAP stream is not public (reference §11.2): only the relay's 1 Hz spot
reports are seen, and the TWAP is computed by the oracle network from its own observations. The
emulator therefore samples its oracle at instants of its own, on a grid of
``FeedConfig.twap_sample_interval_ms`` (500) with a phase of ``twap_sample_phase_ms`` (250): the
instants ``k * interval + phase`` ms since the epoch. By default none of them is a whole second, so
no sample is a report the spot channel shows; a client that averages the published per-second
spot reconstructs the TWAP only approximately, and has to model the difference.

Definition, on the 1e18-scaled integers: ``TWAP60(s) = floor(mean of the samples at the grid
instants in (s*1000 - window, s*1000])``. A sample is the oracle's value at its instant
(``PricePath.oracle_at``); an instant in a stale second, or with no value (a replayed file's gap),
holds the previous sample. With interval 1000 and phase 0 the samples are the per-second reports
themselves, and TWAP60(s) is the mean of the held reports of seconds s-59..s (the bot's averaging).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

#: How far before a window's first instant a fresh computation looks for a value to hold.
HOLD_LOOKBACK_S = 600


class TwapSampler:
    """Rolls the TWAP forward one second at a time (``roll``) and computes any second afresh (``compute``)."""

    def __init__(self, window_s: int, interval_ms: int, phase_ms: int,
                 oracle_at: Callable[[int], int | None]) -> None:  # fmt: skip
        if interval_ms <= 0 or (window_s * 1000) % interval_ms or not 0 <= phase_ms < interval_ms:
            raise ValueError("the TWAP's sample interval must divide its window, and 0 <= phase < interval")
        self.window_ms = window_s * 1000
        self.interval_ms = interval_ms
        self.phase_ms = phase_ms
        self.samples = self.window_ms // interval_ms
        self._oracle_at = oracle_at
        self._held: deque[int] = deque()
        self._sum = 0
        self._last: int | None = None

    def instants(self, from_ms: int, to_ms: int) -> range:
        """The grid instants in ``(from_ms, to_ms]``, in order."""
        step, phase = self.interval_ms, self.phase_ms
        first = (from_ms - phase) // step * step + phase + step
        return range(first, to_ms + 1, step)

    def _sample(self, t_ms: int, previous: int | None) -> int | None:
        value = self._oracle_at(t_ms)
        return previous if value is None else value

    def roll(self, s: int) -> int | None:
        """Add the samples of second ``s`` (instants in ``(s-1 s, s]``); TWAP60(s) once the window is full."""
        for t in self.instants((s - 1) * 1000, s * 1000):
            self._last = self._sample(t, self._last)
            if self._last is None:
                continue
            self._held.append(self._last)
            self._sum += self._last
            if len(self._held) > self.samples:
                self._sum -= self._held.popleft()
        return self._sum // self.samples if len(self._held) == self.samples else None

    def compute(self, s: int) -> int | None:
        """TWAP60(s) from scratch (None without a value to hold at the window's start)."""
        end = s * 1000
        start = end - self.window_ms
        value = None
        for t in reversed(self.instants(start - HOLD_LOOKBACK_S * 1000, start)):
            value = self._oracle_at(t)
            if value is not None:
                break
        total = 0
        for t in self.instants(start, end):
            value = self._sample(t, value)
            if value is None:
                return None
            total += value
        return total // self.samples
