"""A window's records over time -> the ``markets`` stream discovery would have written (pure).

Each market comes as the records discovery would have fetched from Gamma and when; the lifecycle
events between them (discovered, open, closing, closed, resolved) come from discovery's own
``Lifecycle`` driven by the same times, so the import holds the same ``markets`` stream a run
would. An import that starts (``Span.from_ms``) inside a window publishes what discovery would know
then, at that time; windows resolved before it are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cli.record_import.entry import EVERYTHING, Entry, Span
from common.bus import streams
from common.schemas.base import Message
from common.schemas.market import MarketRecord
from workers.discovery.lifecycle import CLOSING_LEAD_MS, Lifecycle

#: One market: (when discovery would publish it, the record), in time order.
Timeline = list[tuple[int, MarketRecord]]


def closing_lead_ms(start_ms: int, end_ms: int) -> int:
    """Discovery's: the TWAP's last minute, or a quarter of a shorter window."""
    return min(CLOSING_LEAD_MS, (end_ms - start_ms) // 4)


def market_entries(markets: Iterable[Timeline], span: Span = EVERYTHING, series: str | None = None) -> list[Entry]:
    """The ``markets`` stream of the markets (of ``series`` when given) within the span."""
    events: list[tuple[int, int, MarketRecord | None]] = []  # (ms, order, a record or None: a clock tick)
    shortest_ms: int | None = None
    for timeline in markets:
        resolved_ms, last = timeline[-1]  # the last record: resolved if it is closed
        if series is not None and last.series != series:
            continue
        over_ms = resolved_ms if last.closed else last.window_end_ms or 0
        if span.from_ms is not None and over_ms < span.from_ms:
            continue  # over (resolved, or ended with no resolution known) before the span
        from_ms = span.from_ms or 0
        before = [record for t, record in timeline if t < from_ms]
        if before:
            events.append((from_ms, 0, before[-1]))
        events += [(t, 0, record) for t, record in timeline if t >= from_ms]
        start_ms, end_ms = last.window_start_ms or 0, last.window_end_ms or 0
        lead_ms = closing_lead_ms(start_ms, end_ms)
        shortest_ms = min(shortest_ms or end_ms - start_ms, end_ms - start_ms)
        events += [(t, 1, None) for t in (start_ms, end_ms - lead_ms, end_ms)]
    events.sort(key=lambda item: (item[0], item[1]))
    lifecycle = Lifecycle(closing_lead_ms(0, shortest_ms or 0))
    return list(_entries(events, span, lifecycle))


def _entries(events: list[tuple[int, int, MarketRecord | None]], span: Span, lifecycle: Lifecycle) -> Iterator[Entry]:
    for ms, _, record in events:
        if not span.holds(ms):
            continue
        bodies: list[Message] = [record, *lifecycle.on_record(record, ms)] if record else list(lifecycle.on_clock(ms))
        for body in bodies:
            yield Entry(ms, streams.MARKETS, body, "discovery", getattr(body, "series", None) or "", ms, ms)
