"""Latency accounting: from the feed event behind an intent to our request and its answer.

Three spans (``common.latency``: a Prometheus histogram each and a rolling summary in
``state:latency``):

- ``tick_to_decision``: the intent's emit time minus the originating feed event's time;
- ``tick_to_order``: the POST's bytes going out (``common.clob.client.Sent``) minus that event time;
- ``tick_to_ack``: the venue's answer (or the paper venue's) minus that event time.
"""

from __future__ import annotations

import time

from common.latency import LATENCY_KEY, Spans, histogram, percentile

__all__ = ["LATENCY_KEY", "SPANS", "Latency", "now_ms_float", "percentile"]

SPANS = ("tick_to_decision", "tick_to_order", "tick_to_ack")
_HISTOGRAMS = {span: histogram(span, f"{span.replace('_', ' ')} latency in ms") for span in SPANS}


def now_ms_float() -> float:
    """Wall-clock ms with sub-ms resolution, as the envelope's ``ingest_ms`` and ``emit_ms``."""
    return time.time_ns() / 1e6


class Latency(Spans):
    """The executor's three spans."""

    def __init__(self, worker: str, window: int | None = None) -> None:
        super().__init__(worker, _HISTOGRAMS, *(() if window is None else (window,)))

    def decision(self, event_ms: float | None, emit_ms: float) -> None:
        if event_ms:
            self.observe("tick_to_decision", emit_ms - event_ms)

    def order(self, tick_ms: float | None, sent_ms: float, count: int = 1) -> None:
        if tick_ms:
            for _ in range(count):
                self.observe("tick_to_order", sent_ms - tick_ms)

    def ack(self, tick_ms: float | None, ack_ms: float, count: int = 1) -> None:
        if tick_ms:
            for _ in range(count):
                self.observe("tick_to_ack", ack_ms - tick_ms)
