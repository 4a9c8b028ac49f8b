"""The executor's Prometheus metrics, bound to the worker's label once."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

_HEARTBEAT_AGE = Gauge("updown_venue_heartbeat_age_ms", "Age of the last heartbeat the venue accepted", ["worker"])
_TOKENS = Gauge("updown_executor_budget_tokens", "Tokens left in our mirror of a venue bucket", ["worker", "bucket"])
_USED = Gauge("updown_rate_budget_used_ratio", "Share of a per-signer bucket's burst in use (0..1)",
              ["worker", "endpoint"])  # fmt: skip
_AMBIGUOUS = Counter("updown_ambiguous_submits_total", "Submits whose outcome was unknown", ["worker"])
_DROPPED = Counter("updown_executor_intents_dropped_total", "Intents past valid_until on arrival", ["worker"])
_REPORTS = Counter("updown_executor_orders_total", "Order outcomes by report kind", ["worker", "kind"])
_BLIND = Gauge("updown_executor_user_feed_blind", "1 while the user feed is down: no new orders", ["worker"])
_REQUEST_ERRORS = Counter("updown_executor_request_errors_total", "Failed venue requests", ["worker", "op"])


class Meters:
    def __init__(self, worker: str) -> None:
        self._worker = worker
        self.heartbeat_age = _HEARTBEAT_AGE.labels(worker)
        self.order_tokens = _TOKENS.labels(worker, "orders")
        self.cancel_tokens = _TOKENS.labels(worker, "cancels")
        self.orders_used = _USED.labels(worker, "orders")
        self.cancels_used = _USED.labels(worker, "cancels")
        self.ambiguous = _AMBIGUOUS.labels(worker)
        self.dropped = _DROPPED.labels(worker)
        self.blind = _BLIND.labels(worker)

    def report(self, kind: str) -> None:
        _REPORTS.labels(self._worker, kind).inc()

    def request_error(self, op: str) -> None:
        _REQUEST_ERRORS.labels(self._worker, op).inc()
