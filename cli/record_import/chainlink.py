"""The recorded Chainlink days (``chainlink/``): prices -> ``ref.btc`` as feed-ref would have
published them from RTDS; the 5-minute markets -> ``markets`` as discovery would have (pure).

A price row is ``feed_ts_ms, value, full_accuracy_value (x 1e18), server_ts_ms, recv_ms``: one
``ref.tick`` (source ``chainlink``) each, stamped with the price's own time (``event_ms``) and its
receive time (``ingest_ms`` and the entry's time), in the order received. A later row for the same
second is the feed's correction, published as it came (alpha keeps the later one).

A market is its Gamma object (``raw``) with the strike (``strike_value``, x 1e18) and the outcome
beside it. Discovery follows the current and the next window, so a window's record appears when the
window before it starts (without its strike), again at its start with the strike (Gamma publishes
``priceToBeat`` then), and closed with its winner when it resolved (Gamma's ``umaEndDate``):
``discovery.market_entries`` turns these into the ``markets`` stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cli.record_import.discovery import Timeline
from cli.record_import.entry import EVERYTHING, Entry, Span
from common.bus import streams
from common.schemas.ref import RefTick
from common.venue.convert import optional_epoch_ms
from common.venue.gamma import normalize_gamma_market

#: The asset and the source's symbol of the recorded prices (BTC/USD Chainlink data stream).
ASSET, SYMBOL = "btc", "btc/usd"
#: A window resolved with no resolution time in its Gamma object is taken as resolved this long
#: after its end (the venue resolves about a minute after the end).
RESOLVED_AFTER_END_MS = 60_000


def price_entries(rows: Iterable[dict[str, str]], span: Span = EVERYTHING) -> Iterator[Entry]:
    """Every price row in the span as a ``ref.tick`` entry, in the order received (rows are read
    and sorted at once, entries made as they are taken: a day's bodies are never all in memory)."""
    prices = []
    for row in rows:
        recv_ms = int(row["recv_ms"])
        if span.holds(recv_ms):
            prices.append((recv_ms, int(row["feed_ts_ms"]), row["full_accuracy_value"]))
    prices.sort(key=lambda p: p[0])  # stable: corrections stay after what they correct
    return (_price_entry(*price) for price in prices)


def _price_entry(recv_ms: int, feed_ms: int, exact: str) -> Entry:
    tick = RefTick(source="chainlink", asset=ASSET, symbol=SYMBOL, value_e18=int(exact), venue_ts_ms=feed_ms,
                   recv_ts_ms=recv_ms)  # fmt: skip
    return Entry(recv_ms, streams.ref(ASSET), tick, "feed-ref", tick.source, feed_ms, recv_ms)


def market_timeline(market: dict[str, Any]) -> Timeline:
    """A recorded market's records over time: (when discovery would publish it, the record)."""
    final = normalize_gamma_market(market["raw"])
    strike = market.get("strike_value")
    final = final.model_copy(update={"strike_e18": int(strike) if strike not in (None, "") else None})
    start_ms, end_ms = final.window_start_ms or 0, final.window_end_ms or 0
    open_ = final.model_copy(update={"active": True, "closed": False, "accepting_orders": True,
                                     "winner_index": None})  # fmt: skip
    timeline = [(2 * start_ms - end_ms, open_.model_copy(update={"strike_e18": None})), (start_ms, open_)]
    if final.closed:
        raw = market["raw"]
        resolved_ms = optional_epoch_ms(raw.get("umaEndDate")) or optional_epoch_ms(raw.get("closedTime"))
        timeline.append((max(resolved_ms or end_ms + RESOLVED_AFTER_END_MS, end_ms), final))
    return timeline
