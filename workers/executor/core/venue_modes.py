"""The venue's restricted modes as the executor meets them (reference §5.7), and what each still allows.

- **restarting** (425, the matching engine restarting): nothing is placed until the wait is over;
  cancels are retried by the driver's own backoff. The orders refused were never taken: not sent,
  not rejected.
- **cancel_only** (503 "...cancel-only..."): nothing is placed until the wait is over; cancels keep
  going out, so the ladder is still pulled as intents move.
- **post_only** (503 ``code: "post_only_mode"``): only orders that are not post-only are held back
  (our takers, and any maker sent without ``postOnly``); the post-only ladder goes on.

Each refusal holds its kind back for a wait that doubles with every refusal in a row, from
``initial_ms`` up to ``max_ms`` (or the venue's Retry-After when longer), and the first order
placed after the wait probes the venue again; an accepted order ends the episode and resets the
wait. Pure: times are the core's local (monotonic) milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from common.errors import Restriction

#: The order in which active restrictions are listed (status, alerts).
ORDER: tuple[Restriction, ...] = ("restarting", "cancel_only", "post_only")


@dataclass
class VenueModes:
    initial_ms: int
    max_ms: int
    #: Restriction → local ms until which its kind of order is held back.
    until_ms: dict[Restriction, int] = field(default_factory=dict)
    #: Restriction → refusals in a row (the wait's exponent).
    streak: dict[Restriction, int] = field(default_factory=dict)
    #: Restriction → refusals seen in total (status, metrics).
    refusals: dict[Restriction, int] = field(default_factory=dict)

    def refused(self, restriction: Restriction, local_ms: int, retry_after_ms: int | None = None) -> int:
        """The venue refused a submit in ``restriction``: hold its kind back; returns the wait in ms."""
        streak = self.streak.get(restriction, 0)
        wait_ms = min(self.max_ms, self.initial_ms << min(streak, 30))
        wait_ms = max(wait_ms, retry_after_ms or 0)
        self.streak[restriction] = streak + 1
        self.refusals[restriction] = self.refusals.get(restriction, 0) + 1
        self.until_ms[restriction] = max(self.until_ms.get(restriction, 0), local_ms + wait_ms)
        return wait_ms

    def accepted(self, post_only: bool) -> None:
        """The venue took an order: it is neither restarting nor cancel-only, and if the order was
        not post-only, not in post-only mode either."""
        ended: tuple[Restriction, ...] = ("restarting", "cancel_only") if post_only else ORDER
        for restriction in ended:
            self.until_ms.pop(restriction, None)
            self.streak.pop(restriction, None)

    def active(self, local_ms: int) -> tuple[Restriction, ...]:
        """The restrictions whose wait is not over (an episode whose wait ran out is being probed)."""
        return tuple(r for r in ORDER if self.until_ms.get(r, 0) > local_ms)

    def in_episode(self) -> tuple[Restriction, ...]:
        """The restrictions refused since the last accepted order (waiting, or probing again)."""
        return tuple(r for r in ORDER if r in self.streak)

    def holds_back(self, post_only: bool, local_ms: int) -> bool:
        """Whether an order (post-only or not) may not be sent now."""
        active = self.active(local_ms)
        return "restarting" in active or "cancel_only" in active or ("post_only" in active and not post_only)
