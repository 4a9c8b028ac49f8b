"""Every stream name in one place, with its retention policy: every stream is bounded.

- ``book.*``, ``ref.*``, ``signal.*``, ``trace.*``, ``hb*``, ``feeds``: BOUNDED to ``bus.market_data_maxlen``
  (``feeds``: 10 000) by its writer on every XADD; ``raw.*`` (the feeds' raw frames, when
  ``recorder.raw_frames`` is on) to ``recorder.raw_frames_maxlen``.
- ``fills``, ``orders``, ``exec``, ``positions``, ``inventory``, ``rewards``, ``markets``:
  PENDING_SAFE, trimmed by its one writer every ``bus.trim_interval_s`` (``retention.Trimmer``),
  and never longer than ``bus.stream_maxlen``.
- ``intent.*``: STALE_AFTER, as PENDING_SAFE and nothing older than ``bus.intent_max_age_s``
  (trimmed by the quoter).
- ``ctl``, ``audit``, ``alerts``: CAPPED (several writers), each XADD trims to ``CTL_MAXLEN``,
  ``AUDIT_MAXLEN`` or ``ALERTS_MAXLEN``.
- ``<stream>:dlq``: DEAD_LETTERS, kept to ``bus.dlq_maxlen`` by the readers of ``<stream>``.

Market data is bounded by length: old ticks are worthless. Money streams are never trimmed below
what a consumer still has pending (losing one is losing track of money) unless a group stops reading
altogether: past ``bus.stream_maxlen`` the oldest go, loudly, rather than fill Redis (which refuses
every write when full: ``redis.maxmemory_mb`` with ``noeviction``). An intent is worthless once
past its ``valid_until`` (the executor drops stale ones), so intents older than
``bus.intent_max_age_s`` go even if still pending.
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
#: Control commands kept (approximately): each worker reads them as they come, the sticky state
#: lives in ``ctl:state``; written by the CLI and the control API, each XADD trims.
CTL_MAXLEN = 10_000
#: Audit entries kept (approximately): written by the CLI and the control API, each XADD trims.
AUDIT_MAXLEN = 10_000
#: Operations alerts (a worker gone FATAL, a feed down, ...: ``common.schemas.ops``).
ALERTS = "alerts"
#: Alerts kept (approximately): an operator reads the recent ones, history is in the logs; every
#: writer's XADD trims.
ALERTS_MAXLEN = 10_000
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


def raw(feed: str) -> str:
    """A feed's raw frames (``recorder.raw_frames``)."""
    return f"raw.{feed}"


def trace(worker: str) -> str:
    """A traced stage's decisions (``common.schemas.trace``): what a replay follows."""
    return f"trace.{worker}"


def dlq(stream: str) -> str:
    return f"{stream}:dlq"


class Retention(Enum):
    #: Trimmed approximately to ``bus.market_data_maxlen`` on every write.
    BOUNDED = "bounded"
    #: Trimmed by its writer below the oldest entry any group still has pending or undelivered,
    #: and to ``bus.stream_maxlen`` whatever is pending (with a warning).
    PENDING_SAFE = "pending-safe"
    #: As PENDING_SAFE, and entries older than ``bus.intent_max_age_s`` go even if pending.
    STALE_AFTER = "stale-after"
    #: Several writers: each XADD trims approximately to the stream's constant.
    CAPPED = "capped"
    #: ``<stream>:dlq``: trimmed to ``bus.dlq_maxlen`` (oldest first, with a warning) by the
    #: readers of ``<stream>`` (whoever dead-letters into it).
    DEAD_LETTERS = "dead-letters"


_BOUNDED_PREFIXES = ("book.", "ref.", "signal.", "raw.", "trace.", HEARTBEAT, FEEDS)
#: Each CAPPED stream's length: every writer's XADD trims to it (approximately).
CAPPED_MAXLEN = {CTL: CTL_MAXLEN, AUDIT: AUDIT_MAXLEN, ALERTS: ALERTS_MAXLEN}
_CAPPED = frozenset(CAPPED_MAXLEN)


def retention(stream: str) -> Retention:
    if stream.endswith(":dlq"):
        return Retention.DEAD_LETTERS
    if any(stream == p or stream.startswith(p) for p in _BOUNDED_PREFIXES):
        return Retention.BOUNDED
    if stream.startswith("intent."):
        return Retention.STALE_AFTER
    if stream in _CAPPED:
        return Retention.CAPPED
    return Retention.PENDING_SAFE


def ctl_group(instance: str) -> str:
    """Each worker instance has its own group on ``ctl`` so that every one sees every command."""
    return f"ctl.{instance}"
