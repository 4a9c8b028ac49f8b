"""One PolyBolt connection of the emulator: its subscriptions, sequences, limits and writer."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sim.ws_queue import drain

CHANNELS = ("price.crypto", "price.crypto.twap")
TWAP_WINDOW_S = 60


@dataclass(frozen=True)
class PolyBoltLimits:
    """The server's limits (reference §4.4)."""

    max_subscriptions: int = 64
    subscribe_frames_per_s: int = 20
    max_frame_bytes: int = 64 * 1024
    auth_attempts: int = 8


def _dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"))


class Conn:
    def __init__(self, conn_id: str, request: web.Request, ws: web.WebSocketResponse) -> None:
        self.id = conn_id
        self.request = request
        self.ws = ws
        self.authed = False
        self.auth_attempts = 0
        self.subs: set[tuple[str, str]] = set()
        self.seq: dict[str, int] = {}
        #: A fault: the next envelope skips one sequence number.
        self.skip_next = False
        self.silent = False
        self.queue: deque[str] = deque()
        self.wakeup = asyncio.Event()
        self._subscribe_times: deque[int] = deque()

    def push(self, frame: str) -> None:
        if not self.silent:
            self.queue.append(frame)
            self.wakeup.set()

    def reply(self, op: str, rid: str, *, channel: str = "", code: str = "") -> None:
        frame: dict[str, Any] = {"op": op, "rid": rid}
        if channel:
            frame["channel"] = channel
        if code:
            frame["code"] = code
        self.push(_dumps(frame))

    def envelope(self, channel: str, payload: dict[str, Any], ts_ms: int, snapshot: bool = False) -> None:
        if self.silent:
            return
        seq = self.seq.get(channel, 0) + (2 if self.skip_next else 1)
        self.skip_next = False
        self.seq[channel] = seq
        frame: dict[str, Any] = {"v": 1, "channel": channel, "seq": seq, "ts": ts_ms}
        if snapshot:
            frame["snapshot"] = True
        frame["payload"] = payload
        self.push(_dumps(frame))

    def note_subscribe_frame(self, now_ms: int, per_s: int) -> bool:
        """Count one subscribe frame; False when the last second holds more than ``per_s``."""
        times = self._subscribe_times
        times.append(now_ms)
        while times and times[0] <= now_ms - 1000:
            times.popleft()
        return len(times) <= per_s

    @staticmethod
    def subscription_key(sub: object) -> tuple[str, str] | None:
        """``(channel, symbol)`` of a valid subscription item, None for a bad channel or filter."""
        if not isinstance(sub, dict) or sub.get("channel") not in CHANNELS:
            return None
        filt = sub.get("filter")
        if not isinstance(filt, dict) or not isinstance(filt.get("symbol"), str):
            return None
        if sub["channel"] == "price.crypto.twap" and filt.get("window_seconds") != TWAP_WINDOW_S:
            return None
        return str(sub["channel"]), filt["symbol"].lower()

    async def write(self) -> None:
        await drain(self.ws, self.queue, self.wakeup)
