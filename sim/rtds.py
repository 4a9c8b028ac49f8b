"""RTDS at ``/rtds``: the real-time data socket of reference prices.

Frames as the official client sends them: ``{"action":"subscribe"|"unsubscribe","subscriptions":
[{"topic","type","filters"}]}``, where ``filters`` is a JSON string (``{"symbol":"btc/usd"}``), a comma
list (``btcusdt,ethusdt``), or absent (every symbol). A subscription with a filter first gets one
snapshot per symbol (``type: "subscribe"``, ``payload: {symbol, data: [{timestamp, value}, ...]}``);
then ``type: "update"`` messages. Text ``ping``/``PING`` is answered ``pong``/``PONG``.
Every message is ``{"topic","type","timestamp","payload"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from sim.faults import MALFORMED_BURST, MALFORMED_FRAME, FaultKind, Faults, websocket_faults
from sim.world.config import E18
from sim.world.feeds import FeedTick, Source
from sim.ws_queue import drain

RTDS_PATH = "/rtds"
TOPICS = {Source.BINANCE: "crypto_prices", Source.CHAINLINK: "crypto_prices_chainlink",
          Source.TWAP: "crypto_prices_twap_sixty"}
#: History sent in a subscription snapshot (PolyBolt sends the last two minutes; RTDS a few seconds).
SNAPSHOT_S = 120
#: Messages queued for one connection before it is closed as a slow consumer.
MAX_QUEUED_MESSAGES = 50_000
#: Close code and reason for a slow consumer.
SLOW_CONSUMER_CLOSE = (1008, b"slow consumer")
#: Binance's ``full_accuracy_value`` carries this many decimals ("61035.86000000").
BINANCE_FULL_DECIMALS = 8
#: The TWAP topic's lookback, stated in each of its payloads.
TWAP_WINDOW_S = 60


def parse_filters(raw: Any) -> frozenset[str] | None:
    """Symbols a subscription asks for, lower-cased; None means every symbol."""
    if raw is None or raw == "" or raw == {}:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith(("{", "[")):
            try:
                raw = json.loads(text)
            except ValueError:
                return None
        else:
            return frozenset(s.strip().lower() for s in text.split(",") if s.strip())
    if isinstance(raw, dict):
        raw = raw.get("symbol") or raw.get("symbols")
        if raw is None:
            return None
    if isinstance(raw, str):
        return frozenset(s.strip().lower() for s in raw.split(",") if s.strip())
    if isinstance(raw, list):
        return frozenset(str(s).lower() for s in raw)
    return None


def fixed_decimals(value_e18: int, decimals: int) -> str:
    """An E18 integer as a decimal string with ``decimals`` places (truncated), without floats."""
    scaled = value_e18 // 10 ** (18 - decimals)
    whole, frac = divmod(abs(scaled), 10**decimals)
    return f"{'-' if scaled < 0 else ''}{whole}.{frac:0{decimals}d}"


def tick_payload(tick: FeedTick) -> dict[str, Any]:
    # int / int is correctly rounded, so ``value`` is the nearest float to the exact price
    payload: dict[str, Any] = {"symbol": tick.symbol, "timestamp": tick.timestamp_ms,
                               "value": tick.value_e18 / E18}
    if tick.source is Source.BINANCE:
        payload["full_accuracy_value"] = fixed_decimals(tick.value_e18, BINANCE_FULL_DECIMALS)
    else:
        payload["full_accuracy_value"] = str(tick.value_e18)
    if tick.source is Source.TWAP:
        payload["window_s"] = TWAP_WINDOW_S
    return payload


class _Connection:
    def __init__(self, conn_id: str, request: web.Request, ws: web.WebSocketResponse) -> None:
        self.id = conn_id
        self.request = request
        self.ws = ws
        self.subs: dict[str, list[frozenset[str] | None]] = {}
        self.queue: deque[str] = deque()
        self.wakeup = asyncio.Event()
        self.silent = False

    def wants(self, topic: str, symbol: str) -> bool:
        return any(f is None or symbol in f for f in self.subs.get(topic, ()))

    def push(self, frame: str) -> None:
        if not self.silent:
            self.queue.append(frame)
            self.wakeup.set()


class RtdsHub:
    """Fans feed ticks out to RTDS subscribers; keeps recent history for snapshots."""

    def __init__(self, clock_ms: Callable[[], int], faults: Faults | None = None) -> None:
        self._clock_ms = clock_ms
        self._faults = faults
        self._conns: dict[str, _Connection] = {}
        self._history: dict[tuple[str, str], deque[FeedTick]] = {}
        self._next_id = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent = 0

    @property
    def connections(self) -> int:
        return len(self._conns)

    def add_routes(self, app: web.Application, path: str = RTDS_PATH) -> None:
        app.router.add_get(path, self.handle)

    # -- publishing -----------------------------------------------------------------------------

    def publish(self, tick: FeedTick) -> None:
        topic = TOPICS[tick.source]
        key = (topic, tick.symbol)
        history = self._history.setdefault(key, deque())
        history.append(tick)
        while history and history[0].timestamp_ms < tick.timestamp_ms - SNAPSHOT_S * 1000:
            history.popleft()
        frame: str | None = None
        for conn in self._conns.values():
            if conn.wants(topic, tick.symbol):
                if frame is None:
                    frame = json.dumps({"topic": topic, "type": "update", "timestamp": self._clock_ms(),
                                        "payload": tick_payload(tick)}, separators=(",", ":"))
                conn.push(frame)
                if len(conn.queue) > MAX_QUEUED_MESSAGES:
                    self._spawn(self._close(conn, *SLOW_CONSUMER_CLOSE))

    def _snapshot(self, topic: str, symbol: str) -> str:
        data = [{"timestamp": t.timestamp_ms, "value": t.value_e18 / E18}
                for t in self._history.get((topic, symbol), ())]
        payload: dict[str, Any] = {"symbol": symbol, "data": data}
        if topic == TOPICS[Source.TWAP]:
            payload["window_s"] = TWAP_WINDOW_S
        frame = {"topic": topic, "type": "subscribe", "timestamp": self._clock_ms(), "payload": payload}
        return json.dumps(frame, separators=(",", ":"))

    # -- faults (call once a second) ------------------------------------------------------------

    def apply_faults(self) -> None:
        if self._faults is None:
            return
        for conn in list(self._conns.values()):
            hit = websocket_faults(self._faults, scope=f"rtds:{conn.id}")
            conn.silent = hit.silent
            if hit.action is FaultKind.WS_DROP:
                self._conns.pop(conn.id, None)
                if conn.request.transport is not None:
                    conn.request.transport.close()
            elif hit.action is FaultKind.WS_SLOW_CONSUMER:
                self._spawn(self._close(conn, *SLOW_CONSUMER_CLOSE))
            elif hit.action is FaultKind.WS_MALFORMED:
                for _ in range(MALFORMED_BURST):
                    conn.push(MALFORMED_FRAME)

    # -- connections ----------------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close(self, conn: _Connection, code: int, message: bytes) -> None:
        self._conns.pop(conn.id, None)
        conn.queue.clear()
        await conn.ws.close(code=code, message=message)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._next_id += 1
        conn = _Connection(f"c{self._next_id}", request, ws)
        self._conns[conn.id] = conn
        writer = asyncio.ensure_future(self._write(conn))
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    self._on_text(conn, msg.data)
                elif msg.type is WSMsgType.ERROR:
                    break
        finally:
            self._conns.pop(conn.id, None)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    async def _write(self, conn: _Connection) -> None:
        await drain(conn.ws, conn.queue, conn.wakeup, self._count_sent)

    def _count_sent(self) -> None:
        self.sent += 1

    def _on_text(self, conn: _Connection, text: str) -> None:
        stripped = text.strip()
        if stripped.lower() == "ping":
            conn.queue.append("PONG" if stripped == "PING" else "pong")
            conn.wakeup.set()
            return
        try:
            frame = json.loads(stripped)
        except ValueError:
            return
        if not isinstance(frame, dict) or frame.get("action") not in ("subscribe", "unsubscribe"):
            return
        for sub in frame.get("subscriptions") or []:
            if not isinstance(sub, dict) or not isinstance(sub.get("topic"), str):
                continue
            topic, symbols = sub["topic"], parse_filters(sub.get("filters"))
            if frame["action"] == "unsubscribe":
                conn.subs.pop(topic, None)
                continue
            conn.subs.setdefault(topic, []).append(symbols)
            for symbol in sorted(symbols or ()):
                conn.queue.append(self._snapshot(topic, symbol))
            conn.wakeup.set()
