"""The RTDS sample (``rtds-chainlink-binance-oct2025/``): raw messages -> ``raw.ref`` frames and the
``ref.<asset>`` ticks feed-ref parses from them (its own RTDS transport and parser), as it would
have published them (pure).

A line is one RTDS message as received, ``{connection_id, payload: {symbol, value,
full_accuracy_value, timestamp}, timestamp, topic, type}``; the top-level ``timestamp`` is the
relay's stamp, the nearest the sample has to a receive time: it is the frame's ``ingest_ms`` and
the entries' time, and the lines are put in its order (the file's own order is not quite).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from cli.record_import.entry import EVERYTHING, Entry, Span
from common.bus import streams
from common.schemas.feed import RawFrame
from common.venue.convert import epoch_ms
from workers.feed_ref.core import RtdsTransport

#: The assets the sample carries (Chainlink and Binance both).
SAMPLE_ASSETS = ("btc", "eth", "sol", "xrp")
FEED = "ref"


def relay_ms(line: str) -> int:
    """The relay's stamp of one message."""
    return epoch_ms(json.loads(line)["timestamp"], "rtds timestamp")


def rtds_entries(
    lines: Iterable[str], span: Span = EVERYTHING, assets: Iterable[str] = SAMPLE_ASSETS
) -> Iterator[Entry]:
    """The frames of the span and their ticks (of ``assets``), in the relay's time order."""
    stamped = [(ms, line.strip()) for line in lines if line.strip() and span.holds(ms := relay_ms(line))]
    stamped.sort(key=lambda p: p[0])
    return _entries(stamped, RtdsTransport(list(assets)))


def _entries(stamped: list[tuple[int, str]], transport: RtdsTransport) -> Iterator[Entry]:
    for ms, line in stamped:
        yield Entry(ms, streams.raw(FEED), RawFrame(feed=FEED, text=line), "feed-ref", FEED, ms, ms)
        for tick in transport.parse(line, ms):
            yield Entry(ms, streams.ref(tick.asset), tick, "feed-ref", tick.source, tick.venue_ts_ms, ms)
