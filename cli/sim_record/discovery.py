"""Discovery's loop without the network: the emulator's Gamma objects, fetched as the live worker
fetches them, through discovery's own parser and core (``Discovery``, its ``Lifecycle``).

Once a simulated second (``POLL_S``) it asks for the windows it has no record of, for the open
windows still without a strike, and every ``RESOLUTION_REFRESH_S`` for the closed ones; a record
is published when it differs from the one held, then the lifecycle events; the clock moves the
phases; resolved windows are forgotten ``KEEP_AFTER_END_MS`` after their end. The Gamma body goes
through ``json`` and the venue's ``loads`` (numbers as ``Decimal``), as an HTTP answer would.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from common.clock import ManualClock
from common.schemas.base import Message
from common.series import Series
from common.venue.convert import loads
from common.venue.gamma import normalize_gamma_event
from workers.discovery.core import Discovery
from workers.discovery.worker import KEEP_AFTER_END_MS, POLL_S, RESOLUTION_REFRESH_S, without_strike

#: A window's Gamma event object by slug; None when the venue has none (404).
GammaLookup = Callable[[str], "dict[str, object] | None"]


class DiscoveryDriver:
    """What discovery would have written to ``markets``, second by second."""

    def __init__(self, series: list[Series], gamma: GammaLookup, start_ms: int) -> None:
        self.clock = ManualClock(start_ms)
        self.core = Discovery(series, self.clock)
        self._gamma = gamma
        self._next_poll_ms = start_ms
        self._last_refresh_ms: int | None = None

    def poll(self, now_ms: int) -> list[Message]:
        """The bodies discovery would publish by ``now_ms`` (records, then lifecycle events)."""
        if now_ms < self._next_poll_ms:
            return []
        self._next_poll_ms = now_ms + int(POLL_S * 1000)
        self.clock.set_ms(now_ms)
        out: list[Message] = []
        for window in self.core.to_fetch():
            out += self._fetch(window.slug)
        for slug in without_strike(self.core):
            out += self._fetch(slug)
        if self._last_refresh_ms is None or now_ms - self._last_refresh_ms >= RESOLUTION_REFRESH_S * 1000:
            self._last_refresh_ms = now_ms
            for slug in [s for s in self.core.records if self.core.lifecycle.phase(s) == "closed"]:
                out += self._fetch(slug)
        out += self.core.tick()
        self.core.prune(KEEP_AFTER_END_MS)
        return out

    def _fetch(self, slug: str) -> list[Message]:
        event = self._gamma(slug)
        if event is None:
            return []  # not created yet
        out: list[Message] = []
        for fetched in normalize_gamma_event(loads(json.dumps(event))):
            if fetched.slug != slug:
                continue
            known = self.core.records.get(slug)
            events = self.core.on_record(fetched)
            record = self.core.records[slug]
            if known != record:
                out.append(record)
            out += events
        return out
