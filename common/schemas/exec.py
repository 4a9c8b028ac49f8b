"""What the executor reports on ``exec``: one ``ExecReport`` per order outcome, and ``ExecStatus``.

Reports are the facts the ledger's window summary counts (quotes posted, replaced, cancelled) and
the latency figures read: ``tick_ms`` is the stamp of the feed event behind the intent, ``sent_ms``
when the request left, ``ack_ms`` when the venue answered (None while unknown).
"""

from __future__ import annotations

from typing import Literal

from common.schemas.base import Message

ReportKind = Literal[
    "placed",  # the venue acknowledged the order (live or matched)
    "rejected",  # a business rejection: never retried
    "not_sent",  # refused before the venue took it (429, 425, 503, refused connection): the slot is free
    "unknown",  # the submit's outcome is unknown: resolved later by order hash
    "resolved",  # an unknown order was found (live/filled) or found never to have landed
    "cancelled",  # the venue confirmed the cancel, or the order ended unfilled (expired, dead-man)
    "filled",  # the order was fully matched (or a taker order was taken)
    "stray_cancelled",  # an order of ours the executor did not know, cancelled at reconciliation
    "intent_dropped",  # the intent was past valid_until when it arrived
    "quarantined",  # the market's state disagreed with the venue: its orders cancelled, resync
    "moved",  # a resting order kept at another level of its shifted ladder (executor.relevel): ``level``
]


class ExecReport(Message):
    """One thing that happened to one order (or intent) of one market."""

    TYPE = "exec.report"
    #: 2: ``tick_ms`` carries microsecond decimals (the envelope's ``ingest_ms``).
    VERSION = 2

    kind: ReportKind
    market: str
    order_id: str = ""
    intent_id: str = ""
    token_id: str = ""
    side: Literal["BUY", "SELL", ""] = ""
    #: ``level`` of the maker ladder, or -1 for a taker order / an order without a slot.
    level: int = -1
    order_type: str = ""
    price_micro: int = 0
    size_micro: int = 0
    #: True when the cancelled or placed order was one half of a replace.
    replace: bool = False
    reason: str = ""
    tick_ms: float | None = None
    sent_ms: int | None = None
    ack_ms: int | None = None
    at_ms: int


class ExecStatus(Message):
    """The executor's state, published on change and periodically (also kept in a hash)."""

    TYPE = "exec.status"
    VERSION = 1

    mode: Literal["ACTIVE", "REDUCE_ONLY", "HALTED"]
    heartbeat: Literal["idle", "ok", "late", "failed"]
    can_place: bool
    live_orders: int
    unknown_orders: int
    quarantined_markets: tuple[str, ...] = ()
    intents_dropped: int = 0
    #: The venue's restricted modes met since the last accepted order (``restarting``,
    #: ``cancel_only``, ``post_only``): what the executor holds back meanwhile.
    venue_restrictions: tuple[str, ...] = ()
    at_ms: int
