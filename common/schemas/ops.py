"""Operations alerts: things that lose money if nobody looks (on the ``alerts`` stream)."""

from __future__ import annotations

from typing import Literal

from common.schemas.base import Message


class AlertRaised(Message):
    """Something that loses money if nobody looks, raised by the stage that knows it.

    ``kind`` is one of :data:`KINDS` (supervisord's event name for a worker gone FATAL); ``process``
    is who raised it (the FATAL listener names the program that died); ``subject`` is what it is
    about (a feed, a market's condition id, the account)."""

    TYPE = "ops.alert"
    VERSION = 1

    kind: str
    severity: Literal["critical", "warning"]
    #: The supervisord program (``processname``) and group.
    process: str
    group: str
    from_state: str = ""
    host: str = ""
    detail: str = ""
    raised_ms: int
    subject: str = ""


#: A worker supervisord gave up on (raised by the FATAL listener).
WORKER_FATAL = "PROCESS_STATE_FATAL"
#: A feed that was up went down (raised by the feed's worker).
FEED_DOWN = "feed_down"
#: The venue heartbeat is late or failed: the venue cancels everything soon (raised by the executor).
HEARTBEAT_LATE = "heartbeat_late"
#: A limit stopped the quoting (the daily loss limit; raised by the quoter).
TRADING_HALTED = "trading_halted"
#: A market the executor will not trade until a clean reconciliation (raised by the executor).
MARKET_QUARANTINED = "market_quarantined"
#: The ledger's cash differs from the venue's balance (raised by the ledger).
LEDGER_VENUE_MISMATCH = "ledger_venue_mismatch"
#: The venue refused our orders in a restricted mode (engine restarting, cancel-only, post-only;
#: raised by the executor, which holds those orders back meanwhile).
VENUE_RESTRICTED = "venue_restricted"
KINDS = (WORKER_FATAL, FEED_DOWN, HEARTBEAT_LATE, TRADING_HALTED, MARKET_QUARANTINED, LEDGER_VENUE_MISMATCH,
         VENUE_RESTRICTED)
