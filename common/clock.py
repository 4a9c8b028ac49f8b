"""Injected time: the system clock for workers, a manual clock for tests, and a clock-step watch.

Two readings, for two uses: the wall clock (``now_ms``) stamps what other processes and the venue
read (envelopes, intents' validity, signatures); the monotonic clock (``monotonic_ms``) measures
intervals (heartbeats, rate budgets, timeouts), which a wall clock stepped by NTP or by hand must
not lengthen or shorten.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

#: A wall clock that moved this much more (or less) than the monotonic clock since the last look
#: is logged as a step by those who watch (``ClockWatch``).
DEFAULT_CLOCK_STEP_MS = 1_000


class Clock(Protocol):
    def now_ms(self) -> int:
        """Wall-clock time in integer milliseconds since the epoch."""
        ...

    def stamp_ms(self) -> float:
        """Wall-clock milliseconds with microsecond decimals: envelope stamps and latency spans."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for intervals and timeouts)."""
        ...

    def monotonic_ms(self) -> int:
        """``monotonic`` in integer milliseconds: what heartbeats and rate budgets count in."""
        ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def stamp_ms(self) -> float:
        # Whole microseconds (rounded to the nearest) over 1000: the same float as
        # ``round(ns / 1e6, 3)``, without the decimal rounding that cost 2 µs on every message.
        return (time.time_ns() + 500) // 1000 / 1000

    def monotonic(self) -> float:
        return time.monotonic()

    def monotonic_ms(self) -> int:
        return time.monotonic_ns() // 1_000_000


class ManualClock:
    """A clock that moves only when told to: ``advance`` moves both readings, ``step`` the wall only."""

    def __init__(self, start_ms: int = 1_800_000_000_000) -> None:
        self._ms = start_ms
        self._mono_ms = start_ms

    def now_ms(self) -> int:
        return self._ms

    def stamp_ms(self) -> float:
        return float(self._ms)

    def monotonic(self) -> float:
        return self._mono_ms / 1000.0

    def monotonic_ms(self) -> int:
        return self._mono_ms

    def advance(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("a clock does not go back")
        self._ms += ms
        self._mono_ms += ms

    def step(self, ms: int) -> None:
        """The wall clock is set forward (or back, ``ms`` < 0) as NTP or an operator would; time does not pass."""
        self._ms += ms

    def set_ms(self, ms: int) -> None:
        """Show ``ms`` on the wall (a replay's recorded time); the monotonic clock never goes back."""
        self._mono_ms += max(0, ms - self._ms)
        self._ms = ms


class EventClock:
    """Wall time that follows the recorded event times of the entries a worker handles (never back):
    a replay through real worker processes decides at the recorded times whatever its pace. Stamps
    and the monotonic clock stay the system's (latency and timeouts are real)."""

    def __init__(self, start_ms: int = 0) -> None:
        self._ms = start_ms
        self._moved = asyncio.Event()

    def follow(self, event_ms: int) -> None:
        if event_ms > self._ms:
            self._ms = event_ms
            self._moved.set()
            self._moved = asyncio.Event()

    async def until(self, ms: int) -> None:
        """Return once the recorded time has reached ``ms`` (a source loop's sleep, in recorded time)."""
        while self._ms < ms:
            await self._moved.wait()

    def now_ms(self) -> int:
        return self._ms

    def stamp_ms(self) -> float:
        return SYSTEM_CLOCK.stamp_ms()

    def monotonic(self) -> float:
        return SYSTEM_CLOCK.monotonic()

    def monotonic_ms(self) -> int:
        return SYSTEM_CLOCK.monotonic_ms()


#: The time pinned for the running asyncio task (each consumer loop is a task of its own).
_PINNED_MS: ContextVar[int | None] = ContextVar("pinned_ms", default=None)


class PinnedClock:
    """A clock whose wall time can be pinned for the task that runs a decision, so that the decision
    reads one time throughout and a trace can say which (``common.runner.tracing``)."""

    def __init__(self, base: Clock) -> None:
        self.base = base

    def now_ms(self) -> int:
        pinned = _PINNED_MS.get()
        return self.base.now_ms() if pinned is None else pinned

    def stamp_ms(self) -> float:
        return self.base.stamp_ms()

    def monotonic(self) -> float:
        return self.base.monotonic()

    def monotonic_ms(self) -> int:
        return self.base.monotonic_ms()

    def hold(self, ms: int) -> None:
        """``now_ms`` shows ``ms`` in this task from now on (a decision loop woken at a recorded time)."""
        _PINNED_MS.set(ms)

    @contextmanager
    def pinned(self, ms: int | None = None) -> Iterator[int]:
        """``now_ms`` shows ``ms`` (default: now) in this task until the block ends; yields it."""
        at = self.now_ms() if ms is None else ms
        token = _PINNED_MS.set(at)
        try:
            yield at
        finally:
            _PINNED_MS.reset(token)


class ClockWatch:
    """Notices a wall-clock step: the wall clock moved unlike the monotonic one (since the start, or
    since the last step noticed: a slow drift adds up and is reported once it passes the threshold)."""

    def __init__(self, clock: Clock, threshold_ms: int = DEFAULT_CLOCK_STEP_MS) -> None:
        self._clock = clock
        self._threshold_ms = threshold_ms
        self._offset_ms = clock.now_ms() - clock.monotonic_ms()

    def step_ms(self) -> int:
        """How far the wall clock jumped (0 below the threshold); + is forward."""
        offset_ms = self._clock.now_ms() - self._clock.monotonic_ms()
        step = offset_ms - self._offset_ms
        if abs(step) < self._threshold_ms:
            return 0
        self._offset_ms = offset_ms
        return step


SYSTEM_CLOCK = SystemClock()
