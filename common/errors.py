"""The small exception hierarchy, and the one predicate that says what may be retried.

Retry: rate limits (429), the venue's short engine restarts (425), server errors (5xx), network
failures and unknown outcomes (a timeout after the request may have landed: for orders these are
resolved by order hash, never by sending again). Never retry a business rejection (4xx other than
those): the same request would be rejected again, or worse, accepted twice.
"""

from __future__ import annotations


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
    """425 (engine restarting) or 503: wait it out."""


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


def venue_error(status: int, message: str, retry_after_s: float | None = None) -> VenueError:
    """The typed error for an HTTP status."""
    if status == 429:
        return RateLimited(status, message, retry_after_s=retry_after_s)
    if status in (425, 503):
        return VenueBusy(status, message, retry_after_s=retry_after_s)
    if status >= 500:
        return VenueServerError(status, message)
    if status == 404:
        return NotFound(status, message)
    return Rejected(status, message)


def is_retryable(exc: BaseException) -> bool:
    """The explicit retry predicate."""
    return isinstance(exc, RateLimited | VenueBusy | VenueServerError | UnknownOutcome | NetworkError)
