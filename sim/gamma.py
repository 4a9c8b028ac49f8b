"""Gamma under ``/gamma``: event and market lookups by slug, with the venue's field names and quirks.

``/events/slug/{slug}`` and ``/markets/slug/{slug}`` answer one object or 404; ``/events?slug=`` and
``/markets?slug=`` answer a list (empty when nothing matches; ``slug`` may repeat);
``/markets/keyset?condition_ids=`` (or ``slug=``) answers ``{"markets": [...]}`` without a next cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sim.world.config import MarketTerms
from sim.world.gamma_view import Quote, event_object, market_object
from sim.world.ids import series_id
from sim.world.windows import Window

GAMMA_PREFIX = "/gamma"


def _no_quote(_: Window) -> Quote:
    return Quote()


@dataclass(frozen=True)
class GammaSource:
    """What Gamma reads: windows by slug, and (optionally) the live tick and indicative prices."""

    find: Callable[[str], Window | None]
    now_s: Callable[[], int]
    seed: int = 0
    terms: MarketTerms = field(default_factory=MarketTerms)
    tick_micro: Callable[[Window], int | None] = lambda _w: None
    quote: Callable[[Window], Quote] = _no_quote
    #: Windows by condition id (``/markets/keyset?condition_ids=``); none when not given.
    find_condition: Callable[[str], Window | None] = lambda _cid: None

    def market(self, window: Window) -> dict[str, Any]:
        tick = self.tick_micro(window) or self.terms.tick_size_micro
        return market_object(window, self.terms, tick, self.quote(window), self.now_s())

    def event(self, window: Window, with_markets: bool = True) -> dict[str, Any]:
        sid = series_id(self.seed, window.series.slug)
        return event_object(window, sid, self.market(window), with_markets)

    def market_with_events(self, window: Window) -> dict[str, Any]:
        market = self.market(window)
        market["events"] = [self.event(window, with_markets=False)]
        return market


def _not_found(what: str) -> web.Response:
    return web.json_response({"type": "not found error", "error": f"{what} not found"}, status=404)


def add_gamma_routes(app: web.Application, source: GammaSource, prefix: str = GAMMA_PREFIX) -> None:
    async def event_by_slug(request: web.Request) -> web.Response:
        window = source.find(request.match_info["slug"])
        return web.json_response(source.event(window)) if window else _not_found("event")

    async def events(request: web.Request) -> web.Response:
        found = [source.find(slug) for slug in request.query.getall("slug", [])]
        return web.json_response([source.event(w) for w in found if w is not None])

    async def market_by_slug(request: web.Request) -> web.Response:
        window = source.find(request.match_info["slug"])
        return web.json_response(source.market_with_events(window)) if window else _not_found("market")

    async def markets(request: web.Request) -> web.Response:
        found = [source.find(slug) for slug in request.query.getall("slug", [])]
        return web.json_response([source.market_with_events(w) for w in found if w is not None])

    async def markets_keyset(request: web.Request) -> web.Response:
        """Keyset pagination as the venue serves it; the emulator's few windows fit on one page."""
        found = [source.find(slug) for slug in request.query.getall("slug", [])]
        found += [source.find_condition(cid) for cid in request.query.getall("condition_ids", [])]
        return web.json_response({"markets": [source.market_with_events(w) for w in found if w is not None]})

    app.router.add_get(f"{prefix}/events/slug/{{slug}}", event_by_slug)
    app.router.add_get(f"{prefix}/markets/keyset", markets_keyset)
    app.router.add_get(f"{prefix}/events", events)
    app.router.add_get(f"{prefix}/markets/slug/{{slug}}", market_by_slug)
    app.router.add_get(f"{prefix}/markets", markets)
