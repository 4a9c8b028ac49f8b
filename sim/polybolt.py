"""PolyBolt at ``/ws-live-v2/ws`` (and ``/polybolt``): reference prices behind the API credentials.

As the venue (reference §4.4): ``{"op":"auth","rid","auth":{apiKey,secret,passphrase}}`` → ``authed``
(a bad one: ``error auth_invalid`` and close 4001; more than 8 attempts: 4001); ``subscribe`` with
``[{channel, filter:{symbol[, window_seconds:60]}}]`` → one ``subscribed`` and one snapshot (the last
two minutes) per item; ``{"op":"ping"}`` → ``pong``. Envelopes ``{v:1, channel, seq, ts, snapshot?,
payload}``, ``seq`` consecutive per connection and channel. ``price.crypto`` carries the world's spot
oracle as the Pyth feed, ``price.crypto.twap`` its Chainlink 60-s TWAP. Limits: 64 subscriptions
(``sub_limit``), 20 subscribe frames a second and 64 KB frames (close 4008). Protocol pings every
25 s (aiohttp's heartbeat; it closes a peer that does not answer, though not with 4002).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from sim.faults import MALFORMED_BURST, MALFORMED_FRAME, FaultKind, Faults, websocket_faults
from sim.polybolt_conn import Conn, PolyBoltLimits
from sim.rtds import fixed_decimals
from sim.world.config import E18
from sim.world.feeds import FeedTick, Source

PATHS = ("/ws-live-v2/ws", "/polybolt")
#: World source → (channel, the payload's ``source``).
CHANNELS = {Source.CHAINLINK: ("price.crypto", "pyth"), Source.TWAP: ("price.crypto.twap", "chainlink")}
TWAP_WINDOW_S = 60
#: History sent in a subscription snapshot.
SNAPSHOT_S = 120
#: Decimals of ``full_accuracy_value``.
FULL_DECIMALS = 8
#: Server protocol ping interval.
SERVER_PING_S = 25.0
CLOSE_AUTH, CLOSE_DRAINING, CLOSE_POLICY = 4001, 4003, 4008
#: (secret, passphrase) of an API key, or None when the key is unknown.
KeyLookup = Callable[[str], "tuple[str, str] | None"]


def point(tick: FeedTick) -> dict[str, Any]:
    return {"timestamp": tick.timestamp_ms, "value": tick.value_e18 / E18,
            "full_accuracy_value": fixed_decimals(tick.value_e18, FULL_DECIMALS)}


class PolyBoltHub:
    """Fans the world's spot and TWAP out to authenticated PolyBolt subscribers."""

    def __init__(self, clock_ms: Callable[[], int], keys: KeyLookup, faults: Faults | None = None,
                 limits: PolyBoltLimits | None = None) -> None:
        self._clock_ms = clock_ms
        self._keys = keys
        self._faults = faults
        self.limits = limits or PolyBoltLimits()
        self._conns: dict[str, Conn] = {}
        self._history: dict[tuple[str, str], deque[FeedTick]] = {}
        self._next_id = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        #: Closes by code, and auth attempts refused (for tests and ``/sim/world``).
        self.closes: dict[int, int] = {}
        self.auth_failures = 0
        self.connects = 0

    @property
    def connections(self) -> int:
        return len(self._conns)

    def add_routes(self, app: web.Application) -> None:
        for path in PATHS:
            app.router.add_get(path, self.handle)

    def publish(self, tick: FeedTick) -> None:
        if tick.source not in CHANNELS:
            return
        channel, source = CHANNELS[tick.source]
        symbol = f"{tick.asset}usd"
        history = self._history.setdefault((channel, symbol), deque())
        history.append(tick)
        while history and history[0].timestamp_ms < tick.timestamp_ms - SNAPSHOT_S * 1000:
            history.popleft()
        payload: dict[str, Any] = {"symbol": symbol, "source": source, **point(tick)}
        if channel == "price.crypto.twap":
            payload["window_seconds"] = TWAP_WINDOW_S
        for conn in self._conns.values():
            if (channel, symbol) in conn.subs:
                conn.envelope(channel, payload, self._clock_ms())

    def _snapshot(self, conn: Conn, channel: str, symbol: str) -> None:
        source = dict(CHANNELS.values())[channel]
        data = [point(t) for t in self._history.get((channel, symbol), ())]
        payload: dict[str, Any] = {"symbol": symbol, "source": source, "data": data}
        if channel == "price.crypto.twap":
            payload["window_seconds"] = TWAP_WINDOW_S
        conn.envelope(channel, payload, self._clock_ms(), snapshot=True)

    def apply_faults(self) -> None:
        """Once a second: silence, drops, malformed bursts, sequence holes, draining closes."""
        if self._faults is None:
            return
        for conn in list(self._conns.values()):
            hit = websocket_faults(self._faults, scope=f"polybolt:{conn.id}")
            conn.silent = hit.silent
            if hit.action is FaultKind.WS_DROP and conn.request.transport is not None:
                self._conns.pop(conn.id, None)
                conn.request.transport.close()
            elif hit.action is FaultKind.WS_SLOW_CONSUMER:
                self._close(conn, 4002, "slow consumer")
            elif hit.action is FaultKind.WS_MALFORMED:
                for _ in range(MALFORMED_BURST):
                    conn.push(MALFORMED_FRAME)
            if self._faults.should(FaultKind.POLYBOLT_SEQ_GAP):
                conn.skip_next = True
            if self._faults.should(FaultKind.POLYBOLT_CLOSE):
                self._close(conn, CLOSE_DRAINING, "draining")

    def _close(self, conn: Conn, code: int, reason: str, flush: bool = False) -> None:
        """Close with ``code``; ``flush`` sends what is queued first (the refusal before a 4001)."""
        self._conns.pop(conn.id, None)
        self.closes[code] = self.closes.get(code, 0) + 1
        task = asyncio.ensure_future(self._closing(conn, code, reason, flush))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _closing(conn: Conn, code: int, reason: str, flush: bool) -> None:
        while flush and conn.queue and not conn.ws.closed:
            await conn.ws.send_str(conn.queue.popleft())
        conn.queue.clear()
        await conn.ws.close(code=code, message=reason.encode())

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=SERVER_PING_S, max_msg_size=self.limits.max_frame_bytes)
        await ws.prepare(request)
        self._next_id += 1
        self.connects += 1
        conn = Conn(f"b{self._next_id}", request, ws)
        self._conns[conn.id] = conn
        writer = asyncio.ensure_future(conn.write())
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    self._on_text(conn, msg.data)
                elif msg.type is WSMsgType.ERROR:
                    self._close(conn, CLOSE_POLICY, "frame too large")
                    break
        finally:
            self._conns.pop(conn.id, None)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    def _on_text(self, conn: Conn, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            conn.reply("error", "", code="bad_op")
            return
        op, rid = frame.get("op"), str(frame.get("rid") or "")
        if op == "ping":
            conn.reply("pong", rid)
        elif op == "auth":
            self._auth(conn, rid, frame.get("auth"))
        elif op in ("subscribe", "unsubscribe"):
            self._subscribe(conn, str(op), rid, frame.get("subscriptions"))
        else:
            conn.reply("error", rid, code="bad_op")

    def _auth(self, conn: Conn, rid: str, auth: object) -> None:
        conn.auth_attempts += 1
        given = auth if isinstance(auth, dict) else {}
        known = self._keys(str(given.get("apiKey", "")))
        if known is not None and hmac.compare_digest(str(given.get("secret", "")), known[0]) \
                and hmac.compare_digest(str(given.get("passphrase", "")), known[1]):
            conn.authed = True
            conn.reply("authed", rid)
            return
        self.auth_failures += 1
        conn.reply("error", rid, code="auth_invalid" if conn.auth_attempts <= self.limits.auth_attempts
                   else "auth_attempts")
        self._close(conn, CLOSE_AUTH, "auth failed", flush=True)

    def _subscribe(self, conn: Conn, op: str, rid: str, subs: object) -> None:
        if not conn.authed:
            conn.reply("error", rid, code="auth_required")
            return
        if not conn.note_subscribe_frame(self._clock_ms(), self.limits.subscribe_frames_per_s):
            self._close(conn, CLOSE_POLICY, "rate limit")
            return
        for sub in subs if isinstance(subs, list) else []:
            key = conn.subscription_key(sub)
            channel = str(sub.get("channel")) if isinstance(sub, dict) else ""
            if key is None:
                conn.reply("error", rid, channel=channel, code="bad_filter")
            elif op == "unsubscribe":
                conn.subs.discard(key)
                conn.reply("unsubscribed", rid, channel=channel)
            elif key not in conn.subs and len(conn.subs) >= self.limits.max_subscriptions:
                conn.reply("error", rid, channel=channel, code="sub_limit")
            else:
                conn.subs.add(key)
                conn.reply("subscribed", rid, channel=channel)
                self._snapshot(conn, *key)
