"""Every stream name in one place, with its retention policy.

Market data (books, reference prices, signals) is bounded by length: old ticks are worthless.
Intents, orders, fills, positions and control are never trimmed below what a consumer still has
pending: losing one is losing track of money.
"""

from __future__ import annotations

from enum import Enum

MARKETS = "markets"
FILLS = "fills"
ORDERS = "orders"
POSITIONS = "positions"
EXEC = "exec"
INVENTORY = "inventory"
REWARDS = "rewards"
#: Control commands, fanned out: every worker instance reads it with its own group.
CTL = "ctl"
#: Feed up/down changes (the latest per feed is also in the ``state:feeds`` hash).
FEEDS = "feeds"
#: Every control action taken, who asked and the result.
AUDIT = "audit"
#: Operations alerts (a worker gone FATAL, ...).
ALERTS = "alerts"
#: The demo pair that proves the spine: producer -> HEARTBEAT -> relay -> HEARTBEAT_SEEN.
HEARTBEAT = "hb"
HEARTBEAT_SEEN = "hb.seen"


def book(series: str) -> str:
    return f"book.{series}"


def ref(asset: str) -> str:
    return f"ref.{asset}"


def signal(series: str) -> str:
    return f"signal.{series}"


def intent(series: str) -> str:
    return f"intent.{series}"


def dlq(stream: str) -> str:
    return f"{stream}:dlq"


class Retention(Enum):
    #: Trimmed approximately to ``bus.market_data_maxlen`` on every write.
    BOUNDED = "bounded"
    #: Trimmed only below the oldest entry any group still has pending or undelivered.
    PENDING_SAFE = "pending-safe"


_BOUNDED_PREFIXES = ("book.", "ref.", "signal.", HEARTBEAT, FEEDS)


def retention(stream: str) -> Retention:
    if stream.endswith(":dlq"):
        return Retention.PENDING_SAFE
    if any(stream == p or stream.startswith(p) for p in _BOUNDED_PREFIXES):
        return Retention.BOUNDED
    return Retention.PENDING_SAFE


def ctl_group(instance: str) -> str:
    """Each worker instance has its own group on ``ctl`` so that every one sees every command."""
    return f"ctl.{instance}"
