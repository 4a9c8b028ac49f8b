"""Alerts a trader acts on, raised by the stage that knows (``common.schemas.ops`` has the kinds):

- a feed that was up goes down: the feed's worker (``workers.feeds.publish_status``);
- the venue heartbeat late or failed, a market quarantined, the venue in a restricted mode: the
  executor (its status);
- quoting stopped by the daily loss limit: the quoter;
- the ledger's cash and the venue's balance disagreeing: the ledger (its check on start);
- a worker gone FATAL: the supervisord listener (``common.ops.fatal_listener``).

The decisions are pure (previous state, new state → alerts), so each is raised once per change, not
once per look; :func:`add` queues the XADD on a pipeline, trimmed to ``streams.ALERTS_MAXLEN``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from common.bus import streams
from common.schemas import ops
from common.schemas.feed import NEVER_DELIVERED, FeedStatus
from common.schemas.ops import AlertRaised

#: Heartbeat health values that raise an alert (the executor's ``HeartbeatHealth``).
HEARTBEAT_ALERTING = frozenset({"late", "failed"})
#: The quoter's blocked reasons that are a limit (not a mode someone chose, not a window ending).
LIMIT_REASONS = frozenset({"daily_loss_limit"})


def feed_down(previous: FeedStatus | None, status: FeedStatus, raised_by: str, now_ms: int) -> AlertRaised | None:
    """A feed that was up is down (a feed still connecting for the first time, or a source whose
    start-up grace ran out before it delivered anything, is not an alert)."""
    if status.state != "down" or previous is None or previous.state != "up" or status.reason == NEVER_DELIVERED:
        return None
    return AlertRaised(kind=ops.FEED_DOWN, severity="critical", process=raised_by, group=raised_by, subject=status.feed,
                       detail=status.reason[:500], raised_ms=now_ms)  # fmt: skip


def heartbeat(previous: str | None, health: str, raised_by: str, now_ms: int) -> AlertRaised | None:
    """The venue heartbeat turned late or failed (once per change: ok → late → failed raises two)."""
    if health not in HEARTBEAT_ALERTING or health == previous:
        return None
    return AlertRaised(kind=ops.HEARTBEAT_LATE, severity="critical" if health == "failed" else "warning",
                       process=raised_by, group=raised_by, from_state=previous or "", subject="venue",
                       detail=f"venue heartbeat {health}: the venue cancels every order if it stays so",
                       raised_ms=now_ms)  # fmt: skip


def quarantined(previous: Sequence[str], current: Mapping[str, str], raised_by: str,
                now_ms: int) -> list[AlertRaised]:  # fmt: skip
    """One alert per market newly quarantined (``current``: market → reason)."""
    return [AlertRaised(kind=ops.MARKET_QUARANTINED, severity="critical", process=raised_by, group=raised_by,
                        subject=market, detail=reason[:500], raised_ms=now_ms)
            for market, reason in sorted(current.items()) if market not in previous]  # fmt: skip


#: What each restricted mode of the venue leaves the executor doing (``venue_restricted`` alerts).
RESTRICTION_EFFECTS = {
    "restarting": "the matching engine is restarting (425): no orders until it answers again; cancels retried",
    "cancel_only": "the venue is cancel-only (503): no new orders, cancels still go out",
    "post_only": "the venue is post-only (503): takers held back, the post-only ladder goes on",
}


def venue_restricted(previous: Sequence[str], current: Sequence[str], raised_by: str,
                     now_ms: int) -> list[AlertRaised]:  # fmt: skip
    """One warning per restricted mode newly met (``current``: the executor's ``venue_restrictions``)."""
    return [AlertRaised(kind=ops.VENUE_RESTRICTED, severity="warning", process=raised_by, group=raised_by,
                        subject=mode, detail=RESTRICTION_EFFECTS.get(mode, mode), raised_ms=now_ms)
            for mode in current if mode not in previous]  # fmt: skip


def trading_halted(previous: str | None, reason: str | None, raised_by: str, now_ms: int,
                   detail: str = "") -> AlertRaised | None:  # fmt: skip
    """Quoting newly stopped by a limit (the same limit still holding is not a new alert)."""
    if reason not in LIMIT_REASONS or reason == previous:
        return None
    return AlertRaised(kind=ops.TRADING_HALTED, severity="critical", process=raised_by, group=raised_by,
                       subject=reason or "", detail=detail[:500], raised_ms=now_ms)  # fmt: skip


def ledger_mismatch(books_micro: int, venue_micro: int, raised_by: str, now_ms: int) -> AlertRaised | None:
    """The ledger's cash (with what it has still to book) is not the venue's balance."""
    if books_micro == venue_micro:
        return None
    return AlertRaised(kind=ops.LEDGER_VENUE_MISMATCH, severity="critical", process=raised_by, group=raised_by,
                       subject="cash", detail=f"ledger {books_micro} venue {venue_micro} micro-pUSD "
                       f"(difference {venue_micro - books_micro})", raised_ms=now_ms)  # fmt: skip


def add(pipe: Any, fields: Mapping[bytes, bytes]) -> None:
    """Queue one alert's XADD (``fields``: the writer's encoding of an :class:`AlertRaised`)."""
    pipe.xadd(streams.ALERTS, dict(fields), maxlen=streams.ALERTS_MAXLEN, approximate=True)
