"""The small exception hierarchy, and the one predicate that says what may be retried.

Retry: rate limits (429), the venue's short engine restarts (425), server errors (5xx), network
failures and unknown outcomes (a timeout after the request may have landed: for orders these are
resolved by order hash, never by sending again). Never retry a business rejection (4xx other than
those): the same request would be rejected again, or worse, accepted twice.
"""

from __future__ import annotations

from typing import Literal

#: The venue's trading restrictions (reference §5.7, named as the official SDK names them): the
#: matching engine restarting (425), cancel-only mode (503, "cancel-only" in the message) and
#: post-only mode (503 with ``code: "post_only_mode"``: post-only orders and cancels still pass).
Restriction = Literal["restarting", "cancel_only", "post_only"]
#: The code and the message fragment the venue marks its restricted modes with (the official SDK's
#: ``_detect_trading_restriction``; the exact texts are UNCERTAIN in the reference).
POST_ONLY_MODE_CODE = "post_only_mode"
CANCEL_ONLY_MARKER = "cancel-only"


class UpdownError(Exception):
    """Base of every error updown raises on purpose."""


class VenueError(UpdownError):
    """The venue answered with an error status."""

    def __init__(self, status: int, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.retry_after_s = retry_after_s


class RateLimited(VenueError):
    """429: slow down (``retry_after_s`` when the venue says how long)."""


class VenueBusy(VenueError):
    """425 (engine restarting) or 503: wait it out. ``restriction`` names the venue's mode when the
    answer says which (None: a 503 that does not, e.g. trading disabled)."""

    def __init__(self, status: int, message: str, *, retry_after_s: float | None = None,
                 restriction: Restriction | None = None) -> None:  # fmt: skip
        super().__init__(status, message, retry_after_s=retry_after_s)
        self.restriction = restriction


class VenueServerError(VenueError):
    """5xx other than 503."""


class Rejected(VenueError):
    """A business rejection (4xx): bad request, not found, not allowed. Never retried."""


class NotFound(Rejected):
    """404."""


class UnknownOutcome(UpdownError):
    """The request may or may not have taken effect (timeout, connection lost after sending)."""


class NetworkError(UpdownError):
    """The request never reached the venue (connection refused, DNS, reset before sending)."""


def venue_error(status: int, message: str, retry_after_s: float | None = None,
                code: str | None = None) -> VenueError:  # fmt: skip
    """The typed error for an HTTP status (``code``: the body's ``code`` field, when it has one)."""
    if status == 429:
        return RateLimited(status, message, retry_after_s=retry_after_s)
    if status in (425, 503):
        return VenueBusy(status, message, retry_after_s=retry_after_s, restriction=restriction(status, message, code))
    if status >= 500:
        return VenueServerError(status, message)
    if status == 404:
        return NotFound(status, message)
    return Rejected(status, message)


def restriction(status: int, message: str, code: str | None = None) -> Restriction | None:
    """Which restricted mode a 425/503 answer reports, if any."""
    if status == 425:
        return "restarting"
    if status != 503:
        return None
    if code == POST_ONLY_MODE_CODE:
        return "post_only"
    return "cancel_only" if CANCEL_ONLY_MARKER in message else None


def is_retryable(exc: BaseException) -> bool:
    """The explicit retry predicate."""
    return isinstance(exc, RateLimited | VenueBusy | VenueServerError | UnknownOutcome | NetworkError)
