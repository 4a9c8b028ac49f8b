"""The heartbeat dead-man, seen from our side: armed before the first order, fail-closed.

States: ``idle`` (never accepted: no orders yet), ``ok``, ``late`` (the last accepted beat is older
than ``heartbeat_fail_after_ms``: no new orders, cancels still go out), ``failed`` (older than the
venue's timeout, or the venue said the chain lapsed: assume every order of ours was cancelled;
``needs_reconcile`` stays set until the loop has reconciled). A stale id is resynchronised on the
id the venue expects, and the next beat is due at once.

Every time here is on the monotonic clock (ms): a wall clock stepped back or forward neither makes a
beat late nor early. A beat that is sent is settled by one of ``on_ok``, ``on_mismatch``,
``on_error`` or ``abandoned``; and one that never is (its task cancelled, its answer lost) no longer
counts as in flight after ``heartbeat_answer_timeout_ms``: nothing can stop the chain for good.
"""

from __future__ import annotations

from typing import Literal

from workers.executor.core.config import ExecutorConfig

HeartbeatHealth = Literal["idle", "ok", "late", "failed"]


class HeartbeatMachine:
    def __init__(self, config: ExecutorConfig) -> None:
        self._cfg = config
        self.heartbeat_id = ""
        self.last_ok_ms: int | None = None
        self._next_due_ms = 0
        self.in_flight = False
        self._sent_ms = 0
        self.lapsed = False
        self.needs_reconcile = False
        self.failures = 0

    def health(self, now_ms: int) -> HeartbeatHealth:
        if self.lapsed:
            return "failed"
        if self.last_ok_ms is None:
            return "idle"
        age = now_ms - self.last_ok_ms
        if age >= self._cfg.heartbeat_venue_timeout_ms:
            return "failed"
        return "late" if age >= self._cfg.heartbeat_fail_after_ms else "ok"

    def can_place(self, now_ms: int) -> bool:
        return self.health(now_ms) == "ok" and not self.needs_reconcile

    def due(self, now_ms: int) -> bool:
        if self.in_flight and now_ms - self._sent_ms < self._cfg.heartbeat_answer_timeout_ms:
            return False
        return now_ms >= self._next_due_ms

    def sending(self, now_ms: int) -> str:
        """The id to send now."""
        self.in_flight, self._sent_ms = True, now_ms
        return self.heartbeat_id

    def abandoned(self, now_ms: int) -> None:
        """The beat sent will never be answered here (its task was cancelled): the next is due at once.
        Had the venue taken it, the next beat's stale id is resynchronised (``on_mismatch``)."""
        self.in_flight = False
        self._next_due_ms = min(self._next_due_ms, now_ms)

    def on_ok(self, next_id: str, now_ms: int) -> None:
        self.in_flight = False
        if self.last_ok_ms is not None and now_ms - self.last_ok_ms >= self._cfg.heartbeat_venue_timeout_ms:
            self.needs_reconcile = True  # accepted, but only after the venue's timeout passed
        self.heartbeat_id, self.last_ok_ms, self.lapsed, self.failures = next_id, now_ms, False, 0
        self._next_due_ms = now_ms + self._cfg.heartbeat_interval_ms

    def on_mismatch(self, expected_id: str, now_ms: int) -> None:
        """400 Invalid Heartbeat ID: resync on the venue's id; "" means the chain lapsed."""
        self.in_flight = False
        self.heartbeat_id = expected_id
        if not expected_id and self.last_ok_ms is not None:
            self.lapsed = True
            self.needs_reconcile = True
        self._next_due_ms = now_ms

    def on_error(self, now_ms: int, retry_in_ms: int) -> None:
        self.in_flight = False
        self.failures += 1
        self._next_due_ms = now_ms + retry_in_ms
        if self.health(now_ms) == "failed":
            self.needs_reconcile = True

    def reconciled(self) -> None:
        self.needs_reconcile = False
