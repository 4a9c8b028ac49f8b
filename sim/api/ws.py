"""The market and user websockets: subscribe frames, text PING/PONG, fan-out of exchange events."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections import defaultdict
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from sim.api.keys import ApiKeyStore
from sim.exchange import Exchange
from sim.exchange.events import Event
from sim.exchange.publish import book_events
from sim.faults import MALFORMED_BURST, MALFORMED_FRAME, FaultKind, Faults, websocket_faults

#: A subscriber this many messages behind is disconnected, as the venue does to slow consumers.
MAX_QUEUED_MESSAGES: int = 50_000
#: Most events coalesced into one array frame.
MAX_EVENTS_PER_FRAME: int = 100


class _Conn:
    def __init__(self, ws: web.WebSocketResponse, request: web.Request | None = None, name: str = "") -> None:
        self.ws = ws
        self.request = request
        self.name = name
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.custom = False
        self.closed = False
        #: A silent socket (fault) stays open and sends nothing, PONGs included.
        self.silent = False

    def send(self, text: str) -> None:
        if self.closed or self.silent:
            return
        if self.queue.qsize() >= MAX_QUEUED_MESSAGES:
            self.closed = True
            asyncio.get_running_loop().create_task(
                self.ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"slow consumer")
            )
            return
        self.queue.put_nowait(text)

    async def pump(self) -> None:
        """Send queued messages; JSON events waiting together go out as one array frame, as the venue
        batches them, so a burst costs one frame instead of one per event."""
        while True:
            texts = [await self.queue.get()]
            while not self.queue.empty() and len(texts) < MAX_EVENTS_PER_FRAME:
                texts.append(self.queue.get_nowait())
            events: list[str] = []
            for text in texts:
                if text.startswith("{"):
                    events.append(text)
                    continue
                await self._flush(events)
                await self.ws.send_str(text)
            await self._flush(events)

    async def _flush(self, events: list[str]) -> None:
        if len(events) == 1:
            await self.ws.send_str(events[0])
        elif events:
            await self.ws.send_str("[" + ",".join(events) + "]")
        events.clear()


class Hub:
    """Routes exchange events to websocket subscribers (market by asset id, user by API key)."""

    def __init__(self, exchange: Exchange, keys: ApiKeyStore) -> None:
        self.exchange = exchange
        self.keys = keys
        self.by_asset: dict[str, set[_Conn]] = defaultdict(set)
        self.by_owner: dict[str, dict[_Conn, set[str]]] = defaultdict(dict)
        self.conns: set[_Conn] = set()
        self._serial = 0
        exchange.subscribe(self.on_event)

    def register(self, ws: web.WebSocketResponse, request: web.Request, channel: str) -> _Conn:
        self._serial += 1
        conn = _Conn(ws, request, f"{channel}:{self._serial}")
        self.conns.add(conn)
        return conn

    def apply_faults(self, faults: Faults) -> None:
        """Once a second: decide each socket's websocket faults (silence, drops, slow-consumer
        closes, malformed bursts), as the RTDS hub does."""
        for conn in list(self.conns):
            hit = websocket_faults(faults, scope=f"clob:{conn.name}")
            conn.silent = hit.silent
            if hit.action is FaultKind.WS_DROP and conn.request is not None and conn.request.transport is not None:
                conn.closed = True
                conn.request.transport.close()
            elif hit.action is FaultKind.WS_SLOW_CONSUMER:
                conn.closed = True
                asyncio.get_running_loop().create_task(
                    conn.ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"slow consumer"))
            elif hit.action is FaultKind.WS_MALFORMED:
                for _ in range(MALFORMED_BURST):
                    conn.queue.put_nowait(MALFORMED_FRAME)

    def on_event(self, event: Event) -> None:
        text: str | None = None
        if event.channel == "market":
            targets: set[_Conn] = set()
            if event.payload.get("event_type") == "new_market":  # platform-wide, whatever one subscribed to
                targets = {c for conns in self.by_asset.values() for c in conns}
            for asset in event.asset_ids:
                targets |= self.by_asset.get(asset, set())
            custom = event.custom
            for conn in targets:
                if not custom or conn.custom:
                    text = text or json.dumps(event.payload)
                    conn.send(text)
        elif event.owner is not None:
            for conn, markets in self.by_owner.get(event.owner, {}).items():
                if not markets or event.market in markets:
                    text = text or json.dumps(event.payload)
                    conn.send(text)

    # --- market channel -----------------------------------------------------------------------

    def market_frame(self, conn: _Conn, frame: dict[str, Any]) -> None:
        assets = [str(a) for a in frame.get("assets_ids") or []]
        if "custom_feature_enabled" in frame:
            conn.custom = bool(frame["custom_feature_enabled"])
        if str(frame.get("operation", "")).lower() == "unsubscribe":
            for asset in assets:
                self.by_asset[asset].discard(conn)
            return
        new = [a for a in dict.fromkeys(assets) if conn not in self.by_asset[a]]
        if not new:
            conn.send("NO NEW ASSETS")
            return
        snapshots = []
        now = self.exchange.now_ms()
        for asset in new:
            self.by_asset[asset].add(conn)
            state = self.exchange.market_for_token(asset)
            if state is not None:
                snapshots += [e.payload for e in book_events(state, now) if e.asset_ids == (asset,)]
        if snapshots:
            conn.send(json.dumps(snapshots))

    def drop_market(self, conn: _Conn) -> None:
        for conns in self.by_asset.values():
            conns.discard(conn)

    # --- user channel -------------------------------------------------------------------------

    def user_frame(self, conn: _Conn, frame: dict[str, Any], owner: str | None) -> str | None:
        """Apply a user frame; returns the authenticated API key (None closes the socket)."""
        auth = frame.get("auth")
        if auth is not None or owner is None:
            owner = self._authenticate(auth if isinstance(auth, dict) else {})
            if owner is None:
                return None
        markets = {str(m) for m in frame.get("markets") or []}
        current = self.by_owner[owner].setdefault(conn, set())
        if str(frame.get("operation", "")).lower() == "unsubscribe":
            current -= markets
        else:
            current |= markets
        return owner

    def _authenticate(self, auth: dict[str, Any]) -> str | None:
        key = self.keys.get(str(auth.get("apiKey", "")))
        if key is None:
            return None
        if not (
            hmac.compare_digest(str(auth.get("secret", "")), key.secret)
            and hmac.compare_digest(str(auth.get("passphrase", "")), key.passphrase)
        ):
            return None
        return key.api_key

    def drop_user(self, conn: _Conn) -> None:
        for conns in self.by_owner.values():
            conns.pop(conn, None)


async def _serve(request: web.Request, hub: Hub, user: bool) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    conn = hub.register(ws, request, "user" if user else "market")
    pump = asyncio.get_running_loop().create_task(conn.pump())
    owner: str | None = None
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            if msg.data.strip().upper() == "PING":
                conn.send("PONG")
                continue
            try:
                frame = json.loads(msg.data)
            except ValueError:
                continue
            for item in frame if isinstance(frame, list) else [frame]:
                if not isinstance(item, dict):
                    continue
                if user:
                    owner = hub.user_frame(conn, item, owner)
                    if owner is None:
                        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"invalid auth")
                        break
                else:
                    hub.market_frame(conn, item)
    finally:
        conn.closed = True
        hub.conns.discard(conn)
        hub.drop_user(conn) if user else hub.drop_market(conn)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
    return ws


def routes(hub: Hub) -> list[web.RouteDef]:
    async def market(request: web.Request) -> web.WebSocketResponse:
        return await _serve(request, hub, user=False)

    async def user(request: web.Request) -> web.WebSocketResponse:
        return await _serve(request, hub, user=True)

    return [web.get("/ws/market", market), web.get("/ws/user", user)]
