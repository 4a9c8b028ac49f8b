"""Latency accounting: from the feed event behind an intent to our request and its answer.

Three spans (``common.latency``: a Prometheus histogram each and a rolling summary in
``state:latency``):

- ``tick_to_decision``: the intent's emit time minus the originating feed event's time;
- ``tick_to_order``: the POST's bytes going out (``common.clob.client.Sent``) minus that event time;
- ``tick_to_order_on_intent``: the same, only for the orders sent in the step of the intent that
  wanted them: the pipeline's own latency. The others went out later by design: after the answer
  to the cancel of the order in their slot, or on a replan once the replace limiter
  (``max_replaces_per_s``) or the rate budget let them, and their wait is in ``tick_to_order``;
- ``tick_to_ack``: the venue's answer (or the paper venue's) minus that event time;
- ``tick_to_cancel``: the ``DELETE /orders`` bytes going out minus the receive stamp of the
  reference frame that moved the fair value beyond ``latency.cancel_move_ppm`` (``Intent.fair_move``),
  one sample per order that move exposed (an order cancelled in a batch of several counts once each).
"""

from __future__ import annotations

import time

from common.latency import LATENCY_KEY, Spans, histogram, percentile

__all__ = ["LATENCY_KEY", "SPANS", "Latency", "now_ms_float", "percentile"]

SPANS = ("tick_to_decision", "tick_to_order", "tick_to_order_on_intent", "tick_to_cancel", "tick_to_ack")
_HISTOGRAMS = {span: histogram(span, f"{span.replace('_', ' ')} latency in ms") for span in SPANS}


def now_ms_float() -> float:
    """Wall-clock ms with sub-ms resolution, as the envelope's ``ingest_ms`` and ``emit_ms``."""
    return time.time_ns() / 1e6


class Latency(Spans):
    """The executor's spans."""

    def __init__(self, worker: str, window: int | None = None) -> None:
        super().__init__(worker, _HISTOGRAMS, *(() if window is None else (window,)))

    def decision(self, event_ms: float | None, emit_ms: float) -> None:
        if event_ms:
            self.observe("tick_to_decision", emit_ms - event_ms)

    def order(self, tick_ms: float | None, sent_ms: float, count: int = 1, *, on_intent: bool = False) -> None:
        """``on_intent``: sent in the step of the intent that wanted it (also ``tick_to_order_on_intent``)."""
        if tick_ms:
            for _ in range(count):
                self.observe("tick_to_order", sent_ms - tick_ms)
                if on_intent:
                    self.observe("tick_to_order_on_intent", sent_ms - tick_ms)

    def cancel(self, moves: dict[str, float], order_ids: list[str], sent_ms: float | None) -> None:
        """A cancel request left at ``sent_ms`` (None: it never did): one sample per order in it
        that a fair-value move exposed (``moves``: order id -> the move's receive stamp)."""
        if sent_ms is not None and moves:
            for order_id in order_ids:
                if (tick_ms := moves.get(order_id)) is not None:
                    self.observe("tick_to_cancel", sent_ms - tick_ms)

    def ack(self, tick_ms: float | None, ack_ms: float, count: int = 1) -> None:
        if tick_ms:
            for _ in range(count):
                self.observe("tick_to_ack", ack_ms - tick_ms)
