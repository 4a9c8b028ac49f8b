"""RTDS, the real-time data socket (reference §4.1-4.3): crypto price frames to ``RefTick``.

Every frame is ``{"topic", "type", "timestamp", "payload"}``. After a filtered subscribe the server
sends a snapshot (``type: "subscribe"``, ``payload.data[]`` of ``{timestamp, value}``) and then
updates (``payload: {symbol, timestamp, value, full_accuracy_value?}``). ``value`` is a number or a
string; ``full_accuracy_value`` is a decimal string on ``crypto_prices`` (Binance) and an integer
scaled by 1e18 on the Chainlink topics. Frames of other topics (equities, the 30-s TWAP) and
frames without a payload (pongs, acks) are counted and skipped.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, TypedDict

from common.schemas.base import Message
from common.schemas.ref import RefSource, RefTick
from common.venue.convert import e18, e18_integer, epoch_ms, field, loads, text
from common.venue.errors import VenueParseError, parse_guard

#: RTDS topic → our source name.
TOPIC_SOURCES: dict[str, RefSource] = {
    "crypto_prices": "binance",
    "crypto_prices_chainlink": "chainlink",
    "crypto_prices_twap_sixty": "chainlink_twap60",
}
#: Largest relative disagreement between ``value`` and ``full_accuracy_value`` before the frame is
#: refused (guards against misreading the scale, which would be off by orders of magnitude).
MAX_VALUE_DISAGREEMENT = 0.01
#: Bounds of a believable reference price (× 1e18): anything outside is a corrupt frame.
MIN_VALUE_E18 = 1
MAX_VALUE_E18 = 10**9 * 10**18
#: Quote-currency suffixes stripped from a symbol to name the asset (``btcusdt`` → ``btc``).
_QUOTE_SUFFIXES = ("/usd", "usdt", "usd")


class VenueRtdsPoint(TypedDict, total=False):
    timestamp: int
    value: object


class VenueRtdsPayload(TypedDict, total=False):
    symbol: str
    timestamp: int
    value: object
    full_accuracy_value: str
    data: list[VenueRtdsPoint]


class VenueRtdsFrame(TypedDict, total=False):
    topic: str
    type: str
    timestamp: int
    payload: VenueRtdsPayload
    connection_id: str


def asset_of(symbol: str) -> str:
    """Our asset name for a source symbol: ``btcusdt`` and ``btc/usd`` are both ``btc``."""
    lower = symbol.lower()
    for suffix in _QUOTE_SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return lower[: -len(suffix)]
    return lower


def _value_e18(payload: dict[str, Any], source: RefSource) -> int:
    exact = payload.get("full_accuracy_value")
    value = payload.get("value")
    if exact in (None, ""):
        return _believable(e18(field(payload, "value", "rtds payload"), "value"))
    if source != "binance" and isinstance(exact, str) and "." not in exact:
        result = e18_integer(exact, "full_accuracy_value")
    else:
        result = e18(exact, "full_accuracy_value")
    if value not in (None, ""):
        approx = e18(value, "value")
        if approx and abs(result - approx) > abs(approx) * MAX_VALUE_DISAGREEMENT:
            raise VenueParseError(f"full_accuracy_value {exact!r} disagrees with value {value!r}")
    return _believable(result)


def _believable(value_e18: int) -> int:
    if not MIN_VALUE_E18 <= value_e18 <= MAX_VALUE_E18:
        raise VenueParseError(f"reference price {value_e18} e-18 is out of bounds")
    return value_e18


class RtdsParser:
    """Turns raw RTDS frames into ``RefTick`` events; ``counts`` says what it saw."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def parse(self, raw: str | bytes, recv_ts_ms: int) -> list[Message]:
        """The ticks of one frame; raises ``VenueParseError`` (only) on a malformed frame."""
        if isinstance(raw, bytes | bytearray):
            raw = raw.decode("utf-8", errors="replace")
        stripped = raw.strip()
        if '"payload"' not in stripped:
            # Pongs and acks, as the official client filters them (not JSON, or no payload).
            self.counts["no_payload"] += 1
            return []
        frame = loads(stripped)
        with parse_guard("rtds frame"):
            if not isinstance(frame, dict):
                raise VenueParseError("rtds frame is not an object")
            source = TOPIC_SOURCES.get(str(frame.get("topic")))
            if source is None:
                self.counts["other_topic"] += 1
                return []
            ticks = self._ticks(frame, source, recv_ts_ms)
            self.counts[source] += len(ticks)
            return list(ticks)

    @staticmethod
    def _ticks(frame: dict[str, Any], source: RefSource, recv_ts_ms: int) -> list[RefTick]:
        payload = field(frame, "payload", "rtds frame")
        symbol = text(payload, "symbol", "rtds payload")
        asset = asset_of(symbol)
        if isinstance(payload.get("data"), list):
            return [
                RefTick(
                    source=source,
                    asset=asset,
                    symbol=symbol,
                    value_e18=_value_e18(point, source),
                    venue_ts_ms=epoch_ms(field(point, "timestamp", "rtds point")),
                    recv_ts_ms=recv_ts_ms,
                    from_snapshot=True,
                )
                for point in payload["data"]
            ]
        return [
            RefTick(
                source=source,
                asset=asset,
                symbol=symbol,
                value_e18=_value_e18(payload, source),
                venue_ts_ms=epoch_ms(field(payload, "timestamp", "rtds payload")),
                recv_ts_ms=recv_ts_ms,
                from_snapshot=False,
            )
        ]
