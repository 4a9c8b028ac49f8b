"""Fault profiles: seeded, named sets of probabilities for what the real venue does to its clients.

Two kinds of question, both cheap and seeded:

- ``should(kind)``: a one-off draw ("does this request fail?"), true with the profile's probability;
- ``in_effect(kind)``: an episode with a duration ("is the engine restarting right now?"); when no
  episode runs, each call starts one with the profile's probability, which then lasts
  ``durations_ms[kind]`` of clock time.

Where each kind is consulted (the hooks) is listed in ``HOOKS``; the probabilities are per
consultation, so a kind consulted once per second per connection has a per-second rate.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware


class FaultKind(StrEnum):
    WS_SILENT = "ws_silent"  # a websocket stops sending but stays open
    WS_DROP = "ws_drop"  # a websocket is closed abruptly (no close frame reason)
    WS_SLOW_CONSUMER = "ws_slow_consumer"  # closed as the venue closes slow consumers
    WS_MALFORMED = "ws_malformed"  # a burst of frames that are not valid JSON
    ENGINE_RESTART = "engine_restart"  # 425 Too Early on every trading request for a short while
    RATE_LIMIT_BURST = "rate_limit_burst"  # 429 on every request of a short burst
    SERVER_ERROR = "server_error"  # one request answers 500
    AMBIGUOUS_SUBMIT = "ambiguous_submit"  # the order is in the book but the response is lost
    TRADE_FAILED = "trade_failed"  # a matched trade ends FAILED instead of CONFIRMED
    STALE_CHAINLINK = "stale_chainlink"  # the oracle stops reporting for a while
    POLYBOLT_SEQ_GAP = "polybolt_seq_gap"  # a PolyBolt channel skips a sequence number (lost frames)
    POLYBOLT_CLOSE = "polybolt_close"  # PolyBolt closes a connection with 4003 "draining"
    POST_ONLY_MODE = "post_only_mode"  # 503 on submits that are not post-only, for a while
    CANCEL_ONLY_MODE = "cancel_only_mode"  # 503 on every submit (cancels pass), for a while


#: Where each kind is consulted and what the caller does when it fires.
HOOKS: Mapping[FaultKind, str] = MappingProxyType({
    FaultKind.WS_SILENT: "each websocket, once a second: in_effect → send nothing (keep the socket open)",
    FaultKind.WS_DROP: "each websocket, once a second: should → close the transport without a close frame",
    FaultKind.WS_SLOW_CONSUMER: "each websocket, once a second: should → close 1008 'slow consumer'",
    FaultKind.WS_MALFORMED: "each websocket, once a second: should → send MALFORMED_BURST bad frames",
    FaultKind.ENGINE_RESTART: "every CLOB trading request (post/cancel): in_effect → 425",
    FaultKind.RATE_LIMIT_BURST: "every authenticated CLOB request: in_effect → 429",
    FaultKind.SERVER_ERROR: "every CLOB request: should → 500",
    FaultKind.AMBIGUOUS_SUBMIT: "POST /order, /orders after the engine accepted: should → 502 or drop",
    FaultKind.TRADE_FAILED: "each trade when it would be CONFIRMED: should → FAILED",
    FaultKind.STALE_CHAINLINK: "the world, once a second per asset: in_effect → no Chainlink report",
    FaultKind.POLYBOLT_SEQ_GAP: "each PolyBolt socket, once a second: should → its next frame skips a seq",
    FaultKind.POLYBOLT_CLOSE: "each PolyBolt socket, once a second: should → close 4003 'draining'",
    FaultKind.POST_ONLY_MODE: "POST /order, /orders: in_effect and a leg is not post-only → 503 post_only_mode",
    FaultKind.CANCEL_ONLY_MODE: "POST /order, /orders: in_effect → 503 cancel-only",
})

#: Frames sent by one malformed burst, and what they look like (a frame cut short).
MALFORMED_BURST = 3
MALFORMED_FRAME = '{"event_type":"book","asset_id":'
#: Default episode lengths of the kinds that last.
DEFAULT_DURATIONS_MS: Mapping[FaultKind, int] = MappingProxyType({
    FaultKind.WS_SILENT: 20_000,
    FaultKind.ENGINE_RESTART: 3_000,
    FaultKind.RATE_LIMIT_BURST: 1_500,
    FaultKind.STALE_CHAINLINK: 15_000,
    FaultKind.POST_ONLY_MODE: 5_000,
    FaultKind.CANCEL_ONLY_MODE: 5_000,
})


@dataclass(frozen=True)
class FaultProfile:
    name: str
    probabilities: Mapping[FaultKind, float] = field(default_factory=dict)
    durations_ms: Mapping[FaultKind, int] = field(default_factory=lambda: DEFAULT_DURATIONS_MS)


PROFILES: Mapping[str, FaultProfile] = MappingProxyType({
    "none": FaultProfile("none"),
    "flaky-ws": FaultProfile("flaky-ws", {
        FaultKind.WS_SILENT: 1 / 600, FaultKind.WS_DROP: 1 / 300, FaultKind.WS_SLOW_CONSUMER: 1 / 400,
        FaultKind.WS_MALFORMED: 1 / 300}),
    # Websocket trouble every few seconds per socket, with short silences: for recovery tests.
    "ws-storm": FaultProfile("ws-storm", {
        FaultKind.WS_SILENT: 1 / 25, FaultKind.WS_DROP: 1 / 12, FaultKind.WS_SLOW_CONSUMER: 1 / 15,
        FaultKind.WS_MALFORMED: 1 / 5}, MappingProxyType({**DEFAULT_DURATIONS_MS, FaultKind.WS_SILENT: 3_000})),
    # PolyBolt trouble: holes in a channel's sequence and draining closes, every minute or two.
    "polybolt": FaultProfile("polybolt", {FaultKind.POLYBOLT_SEQ_GAP: 1 / 90, FaultKind.POLYBOLT_CLOSE: 1 / 120}),
    # One PolyBolt fault at a time, every few seconds per socket: for recovery tests.
    "polybolt-gap": FaultProfile("polybolt-gap", {FaultKind.POLYBOLT_SEQ_GAP: 1 / 4}),
    "polybolt-close": FaultProfile("polybolt-close", {FaultKind.POLYBOLT_CLOSE: 1 / 4}),
    "polybolt-silent": FaultProfile("polybolt-silent", {FaultKind.WS_SILENT: 1 / 4},
                                    MappingProxyType({**DEFAULT_DURATIONS_MS, FaultKind.WS_SILENT: 60_000})),
    "rate-limit": FaultProfile("rate-limit", {FaultKind.RATE_LIMIT_BURST: 0.01}),
    "engine-restart": FaultProfile("engine-restart", {FaultKind.ENGINE_RESTART: 0.002}),
    "ambiguous": FaultProfile("ambiguous", {FaultKind.AMBIGUOUS_SUBMIT: 0.05, FaultKind.SERVER_ERROR: 0.01}),
    "stale-oracle": FaultProfile("stale-oracle", {FaultKind.STALE_CHAINLINK: 1 / 300}),
    # The venue's restricted modes (reference §5.7: 503), an episode every few hundred requests.
    "restricted": FaultProfile("restricted", {FaultKind.POST_ONLY_MODE: 0.003, FaultKind.CANCEL_ONLY_MODE: 0.002}),
    "chaos": FaultProfile("chaos", {
        FaultKind.WS_SILENT: 1 / 900, FaultKind.WS_DROP: 1 / 600, FaultKind.WS_SLOW_CONSUMER: 1 / 900,
        FaultKind.WS_MALFORMED: 1 / 600, FaultKind.ENGINE_RESTART: 0.001, FaultKind.RATE_LIMIT_BURST: 0.003,
        FaultKind.SERVER_ERROR: 0.005, FaultKind.AMBIGUOUS_SUBMIT: 0.01, FaultKind.TRADE_FAILED: 0.01,
        FaultKind.STALE_CHAINLINK: 1 / 900}),
})


class Faults:
    """The fault oracle every handler consults; one seeded RNG per kind keeps kinds independent."""

    def __init__(self, profile: FaultProfile, seed: int, clock_ms: Callable[[], int]) -> None:
        self.profile = profile
        self._clock_ms = clock_ms
        self._rngs = {k: random.Random(f"{seed}:faults:{k.value}") for k in FaultKind}
        self._until_ms: dict[tuple[FaultKind, str], int] = {}
        self.fired: dict[FaultKind, int] = dict.fromkeys(FaultKind, 0)
        #: Requests refused by an episode of each kind (the REST middleware counts them).
        self.refused: dict[FaultKind, int] = dict.fromkeys(FaultKind, 0)

    @classmethod
    def named(cls, name: str, seed: int, clock_ms: Callable[[], int]) -> Faults:
        if name not in PROFILES:
            raise ValueError(f"unknown fault profile {name!r}; known: {', '.join(PROFILES)}")
        return cls(PROFILES[name], seed, clock_ms)

    def probability(self, kind: FaultKind) -> float:
        return self.profile.probabilities.get(kind, 0.0)

    def should(self, kind: FaultKind) -> bool:
        p = self.probability(kind)
        if p <= 0.0:
            return False
        hit = self._rngs[kind].random() < p
        if hit:
            self.fired[kind] += 1
        return hit

    def coin(self, kind: FaultKind) -> bool:
        """A fair seeded coin of ``kind``'s stream (e.g. which way an ambiguous submit goes)."""
        return self._rngs[kind].random() < 0.5

    def in_effect(self, kind: FaultKind, scope: str = "") -> bool:
        """True during an episode of ``kind`` (per ``scope``, e.g. a connection or an asset)."""
        now = self._clock_ms()
        until = self._until_ms.get((kind, scope))
        if until is not None and now < until:
            return True
        if self.should(kind):
            self._until_ms[(kind, scope)] = now + self.profile.durations_ms.get(kind, 0)
            return True
        return False

    def force(self, kind: FaultKind, duration_ms: int, scope: str = "") -> None:
        """Start an episode now, whatever the profile says (for tests and the control API)."""
        self._until_ms[(kind, scope)] = self._clock_ms() + duration_ms


# -- the websocket hook ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WebsocketFaults:
    """What one websocket suffers this second: silence, and at most one of drop / slow-consumer
    close / malformed burst (``action``)."""

    silent: bool
    action: FaultKind | None


def websocket_faults(faults: Faults, scope: str) -> WebsocketFaults:
    """Call once a second per connection (``scope`` names it, e.g. ``market:c3``). The caller then
    stops sending while ``silent``; on WS_DROP closes the transport without a close frame; on
    WS_SLOW_CONSUMER closes with 1008 "slow consumer"; on WS_MALFORMED sends MALFORMED_BURST
    frames of MALFORMED_FRAME."""
    silent = faults.in_effect(FaultKind.WS_SILENT, scope=scope)
    for kind in (FaultKind.WS_DROP, FaultKind.WS_SLOW_CONSUMER, FaultKind.WS_MALFORMED):
        if faults.should(kind):
            return WebsocketFaults(silent, kind)
    return WebsocketFaults(silent, None)


# -- the REST hooks, as aiohttp middleware ----------------------------------------------------------

#: Paths that are not CLOB REST (their faults, if any, are applied by their own handlers).
NOT_CLOB_PREFIXES = ("/gamma", "/rtds", "/polybolt", "/ws-live-v2/", "/ws/", "/sim/", "/chain/")
#: Trading requests: refused with 425 while the engine restarts.
TRADING_ROUTES = frozenset({("POST", "/order"), ("POST", "/orders"), ("DELETE", "/order"),
                            ("DELETE", "/orders"), ("DELETE", "/cancel-all"),
                            ("DELETE", "/cancel-market-orders")})
#: Order submissions: an ambiguous fault loses their response after the engine took the order.
SUBMIT_ROUTES = frozenset({("POST", "/order"), ("POST", "/orders")})


#: The venue's restricted-mode answers (reference §5.7; the official SDK reads the post-only one by
#: its ``code`` and the cancel-only one by "cancel-only" in its message). The exact texts are UNCERTAIN.
POST_ONLY_MODE_ERROR = "post-only mode: only post-only orders and cancels are allowed"
CANCEL_ONLY_MODE_ERROR = "Trading is currently cancel-only. Only cancels are allowed"


def _error(status: int, message: str, **extra: str) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


async def _all_post_only(request: web.Request) -> bool:
    """Whether every leg of a submit asks for post-only (the body is read once; aiohttp keeps it)."""
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError:
        return False  # the handler answers the bad payload
    legs = body if isinstance(body, list) else [body]
    return all(isinstance(leg, dict) and bool(leg.get("postOnly")) for leg in legs)


def rest_fault_middleware(faults: Faults) -> Middleware:
    """Applies ENGINE_RESTART (425), CANCEL_ONLY_MODE and POST_ONLY_MODE (503), RATE_LIMIT_BURST
    (429), SERVER_ERROR (500) before a CLOB REST
    handler runs, and AMBIGUOUS_SUBMIT after a successful submit: half of the time a 502, half of the
    time a connection closed without an answer (the order stays in the book either way)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path.startswith(NOT_CLOB_PREFIXES):
            return await handler(request)
        route = (request.method, path)
        if route in TRADING_ROUTES and faults.in_effect(FaultKind.ENGINE_RESTART):
            faults.refused[FaultKind.ENGINE_RESTART] += 1
            return _error(425, "Too Early: the matching engine is restarting")
        if route in SUBMIT_ROUTES and faults.in_effect(FaultKind.CANCEL_ONLY_MODE):
            faults.refused[FaultKind.CANCEL_ONLY_MODE] += 1
            return _error(503, CANCEL_ONLY_MODE_ERROR)
        if route in SUBMIT_ROUTES and faults.in_effect(FaultKind.POST_ONLY_MODE) and not await _all_post_only(request):
            faults.refused[FaultKind.POST_ONLY_MODE] += 1
            return _error(503, POST_ONLY_MODE_ERROR, code="post_only_mode")
        if faults.in_effect(FaultKind.RATE_LIMIT_BURST):
            return _error(429, "Too Many Requests")
        if faults.should(FaultKind.SERVER_ERROR):
            return _error(500, "Internal Server Error")
        response = await handler(request)
        if route in SUBMIT_ROUTES and response.status == 200 and faults.should(FaultKind.AMBIGUOUS_SUBMIT):
            if faults.coin(FaultKind.AMBIGUOUS_SUBMIT) and request.transport is not None:
                request.transport.close()
            return _error(502, "Bad Gateway")
        return response

    return middleware

