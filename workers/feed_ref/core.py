"""Reference prices behind a transport-agnostic interface, and staleness per source (pure).

A ``RefTransport`` knows one venue's wire: where to connect, what to send after connecting, how
to keep the socket alive, and how to turn a frame into ``RefTick``\\ s. The loop owns the socket
and is the same for every transport, so PolyBolt (reference §4.4) or a direct exchange feed is one
more class here and nothing else changes. ``Staleness`` tells, from an injected clock, which
(source, asset) has gone quiet, measured both on our receive time and on the price's own time
(an oracle that keeps sending an old price is stale too).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from common.clock import Clock
from common.schemas.ref import RefSource, RefTick
from common.venue.rtds import RtdsParser

#: RTDS endpoint (reference §4.1).
RTDS_URL = "wss://ws-live-data.polymarket.com"
#: RTDS keep-alive: the official client sends text ``ping`` every 5 s.
RTDS_PING_INTERVAL_MS = 5_000
#: Default staleness limits: Binance ticks about every second; Chainlink and its TWAP about 1 Hz
#: with gaps up to 2 s observed (reference §4.2), so 5 s of silence is an outage, not jitter.
DEFAULT_MAX_AGE_MS: dict[RefSource, int] = {
    "binance": 3_000,
    "chainlink": 5_000,
    "chainlink_twap60": 5_000,
    "pyth": 5_000,
}


class RefTransport(Protocol):
    """One reference-price wire protocol; the loop connects, sends, pings and feeds frames in."""

    name: str
    url: str
    #: The sources it delivers (each expected for every asset).
    sources: tuple[RefSource, ...]
    #: Text to send every ``ping_interval_ms`` (None: the server pings, or protocol-level pings).
    ping_text: str | None
    ping_interval_ms: int

    def subscribe_frames(self) -> list[str]:
        """The frames to send right after connecting (auth, subscriptions)."""
        ...

    def parse(self, raw: str | bytes, recv_ts_ms: int) -> list[RefTick]:
        """The ticks of one frame for the configured assets; raises ``VenueParseError`` only."""
        ...

    def take_replies(self) -> list[str]:
        """Frames to send now, in answer to what was parsed."""
        ...

    def take_restart(self) -> str | None:
        """Why the connection must be dropped and made again, or None."""
        ...

    def retry_delay_s(self, close_code: int | None) -> float | None:
        """The wait after a connection closed with ``close_code``; None: the usual backoff."""
        ...


class RtdsTransport:
    """RTDS: ``crypto_prices`` (Binance), ``crypto_prices_chainlink``, ``crypto_prices_twap_sixty``."""

    name = "rtds"
    ping_text: str | None = "ping"
    ping_interval_ms = RTDS_PING_INTERVAL_MS
    sources: tuple[RefSource, ...] = ("binance", "chainlink", "chainlink_twap60")

    def __init__(self, assets: Sequence[str], url: str = RTDS_URL) -> None:
        self.url = url
        self.assets = frozenset(asset.lower() for asset in assets)
        self.parser = RtdsParser()

    def subscribe_frames(self) -> list[str]:
        # The Binance topic's filter syntax is uncertain (reference §4.2): subscribe unfiltered and
        # keep our assets client-side. The Chainlink topics take a JSON filter per symbol.
        subscriptions: list[dict[str, str]] = [{"topic": "crypto_prices", "type": "update"}]
        for asset in sorted(self.assets):
            symbol_filter = json.dumps({"symbol": f"{asset}/usd"}, separators=(",", ":"))
            subscriptions += [
                {"topic": "crypto_prices_chainlink", "type": "*", "filters": symbol_filter},
                {"topic": "crypto_prices_twap_sixty", "type": "update", "filters": symbol_filter},
            ]
        return [json.dumps({"action": "subscribe", "subscriptions": subscriptions}, separators=(",", ":"))]

    def parse(self, raw: str | bytes, recv_ts_ms: int) -> list[RefTick]:
        ticks = self.parser.parse(raw, recv_ts_ms)
        return [tick for tick in ticks if isinstance(tick, RefTick) and tick.asset in self.assets]

    def take_replies(self) -> list[str]:
        return []

    def take_restart(self) -> str | None:
        return None  # RTDS has no sequence numbers: a hole cannot be seen

    def retry_delay_s(self, close_code: int | None) -> float | None:
        return None


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """Whether one (source, asset) is live; ``stale_since_ms`` is when it crossed its limit."""

    source: RefSource
    asset: str
    up: bool
    last_recv_ms: int | None
    last_price_ts_ms: int | None
    stale_since_ms: int | None


@dataclass(slots=True)
class _Last:
    recv_ms: int
    price_ts_ms: int


class Staleness:
    """Last tick per (source, asset) against per-source age limits, on an injected clock."""

    def __init__(
        self,
        clock: Clock,
        expected: Iterable[tuple[RefSource, str]],
        max_age_ms: Mapping[RefSource, int] | None = None,
    ) -> None:
        self._clock = clock
        self._max_age_ms = dict(DEFAULT_MAX_AGE_MS if max_age_ms is None else max_age_ms)
        self._since_ms = clock.now_ms()
        self._expected = list(dict.fromkeys(expected))
        self._last: dict[tuple[RefSource, str], _Last] = {}
        self._reported_up: dict[tuple[RefSource, str], bool] = {}

    def observe(self, tick: RefTick) -> None:
        """Record a tick (snapshot points count only if newer than what we hold)."""
        key = (tick.source, tick.asset)
        last = self._last.get(key)
        if last is None or tick.venue_ts_ms >= last.price_ts_ms:
            self._last[key] = _Last(recv_ms=tick.recv_ts_ms, price_ts_ms=tick.venue_ts_ms)

    def status(self, source: RefSource, asset: str) -> SourceStatus:
        """The current status of one (source, asset)."""
        now_ms = self._clock.now_ms()
        limit_ms = self._max_age_ms[source]
        last = self._last.get((source, asset))
        if last is None:
            stale_since = self._since_ms + limit_ms
            return SourceStatus(source, asset, now_ms < stale_since, None, None, stale_since)
        # Stale from whichever clock runs out first: our receipt or the price's own time.
        stale_since = min(last.recv_ms, last.price_ts_ms) + limit_ms
        up = now_ms < stale_since
        return SourceStatus(source, asset, up, last.recv_ms, last.price_ts_ms, None if up else stale_since)

    def statuses(self) -> list[SourceStatus]:
        """The status of every expected (source, asset)."""
        return [self.status(source, asset) for source, asset in self._expected]

    def changes(self) -> list[SourceStatus]:
        """Statuses that flipped (up ↔ stale) since the last call: what the loop publishes."""
        flipped = []
        for status in self.statuses():
            key = (status.source, status.asset)
            if self._reported_up.get(key) != status.up:
                self._reported_up[key] = status.up
                flipped.append(status)
        return flipped
