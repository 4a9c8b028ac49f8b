"""The executor's retry predicate: what to do after a failed request, by operation.

- 429: wait the venue's retry time (or back off), then retry; 425/503: wait the episode out.
- 5xx, unknown outcome, refused connection: retry idempotent requests (cancels, reads,
  heartbeats); a *submit* is never resent: its orders are resolved by hash (``resolve``), and the
  next diff places afresh only once the slot is known to be free.
- Business rejections (other 4xx): never.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from common.errors import (
    NetworkError,
    RateLimited,
    UnknownOutcome,
    VenueBusy,
    VenueServerError,
    is_retryable,
)
from common.retry import Backoff

Operation = Literal["submit", "cancel", "read", "heartbeat"]
Action = Literal["retry", "resolve", "give_up"]


@dataclass(frozen=True, slots=True)
class RetryDecision:
    action: Action
    delay_ms: int
    reason: str


def decide(exc: BaseException, operation: Operation, attempt: int, max_attempts: int,
           backoff: Backoff) -> RetryDecision:  # fmt: skip
    """``attempt`` counts from 1 (the request that just failed)."""
    if not is_retryable(exc):
        return RetryDecision("give_up", 0, f"not retryable: {exc}")
    if operation == "submit" and isinstance(exc, UnknownOutcome | VenueServerError):
        return RetryDecision("resolve", 0, "outcome unknown: resolve by order hash, never resend")
    if attempt >= max_attempts:
        return RetryDecision("give_up", 0, f"{attempt} attempts: {exc}")
    delay_ms = int(backoff.next_delay_s() * 1000)
    if isinstance(exc, RateLimited | VenueBusy) and exc.retry_after_s:
        delay_ms = max(delay_ms, int(exc.retry_after_s * 1000))
    if operation == "submit":
        # refused before the engine (429, 425, connection refused): the orders were never taken;
        # the slot is free and the next diff signs new ones once the wait is over
        assert isinstance(exc, RateLimited | VenueBusy | NetworkError)
        return RetryDecision("give_up", delay_ms, f"refused, replan after {delay_ms} ms: {exc}")
    return RetryDecision("retry", delay_ms, str(exc))
