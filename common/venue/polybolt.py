"""PolyBolt, the authenticated live-data socket (reference §4.4): envelopes to ``RefTick``.

Wire facts, from the reference and the official SDK ``polymarket-client`` 0.14 (read, not copied):

- ``{"op":"auth","rid","auth":{"apiKey","secret","passphrase"}}`` → ``{"op":"authed","rid"}``;
  ``{"op":"subscribe","rid","subscriptions":[{"channel","filter":{...}}]}`` → one
  ``{"op":"subscribed","rid","channel"}`` per item; a refusal is ``{"op":"error","rid","channel"?,
  "code"}`` (``auth_invalid``, ``rate_limited``, ``sub_limit``...); ``{"op":"ping"}`` → ``pong``.
- Data: ``{"v":1,"channel","seq","ts","snapshot"?,"dropped"?,"payload"}``. An update's payload is
  ``{symbol, source, timestamp, value, full_accuracy_value}`` (the exact price is the decimal string
  ``full_accuracy_value``; ``value`` is approximate); a snapshot's is ``{symbol, source, data:[...]}``
  of such points; the TWAP channel also says ``window_seconds: 60``.

Parsing is pure: one frame in, a :class:`Parsed` out, :class:`VenueParseError` (only) when malformed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from common.schemas.ref import RefSource, RefTick
from common.venue.convert import e18, epoch_ms, loads, text
from common.venue.errors import VenueParseError, parse_guard
from common.venue.rtds import MAX_VALUE_DISAGREEMENT, MAX_VALUE_E18, MIN_VALUE_E18

SPOT_CHANNEL = "price.crypto"
TWAP_CHANNEL = "price.crypto.twap"
CHANNELS = (SPOT_CHANNEL, TWAP_CHANNEL)
#: The only envelope version we understand.
ENVELOPE_VERSION = 1
#: The TWAP lookback the settlement uses (reference §9.2), asked for in the filter.
TWAP_WINDOW_S = 60
#: (channel, payload ``source``) → our source name; other pairs are counted and skipped.
SOURCES: dict[tuple[str, str], RefSource] = {
    (SPOT_CHANNEL, "pyth"): "pyth",
    (SPOT_CHANNEL, "chainlink"): "chainlink",
    (TWAP_CHANNEL, "chainlink"): "chainlink_twap60",
}
#: Reply ops (no envelope): acknowledgements, pong and refusals.
CONTROL_OPS = frozenset({"authed", "subscribed", "unsubscribed", "pong", "error"})
#: Server limits (reference §4.4): subscriptions per connection and bytes per frame.
MAX_SUBSCRIPTIONS = 64
MAX_FRAME_BYTES = 64 * 1024


def symbol_of(asset: str) -> str:
    """PolyBolt's crypto symbol of our asset: ``btc`` → ``btcusd``."""
    return f"{asset.lower()}usd"


def asset_of(symbol: str) -> str:
    lower = symbol.lower()
    return lower[:-3] if lower.endswith("usd") and len(lower) > 3 else lower


def _dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"))


def auth_frame(api_key: str, secret: str, passphrase: str, rid: str = "auth") -> str:
    """The first frame of a connection (it carries secrets: never log it)."""
    return _dumps({"op": "auth", "rid": rid, "auth": {"apiKey": api_key, "secret": secret, "passphrase": passphrase}})


def subscribe_frame(assets: Iterable[str], rid: str = "sub") -> str:
    """One subscribe frame for both channels of every asset; refuses to exceed the server's limits."""
    subscriptions: list[dict[str, Any]] = []
    for asset in sorted(set(assets)):
        subscriptions.append({"channel": SPOT_CHANNEL, "filter": {"symbol": symbol_of(asset)}})
        subscriptions.append({"channel": TWAP_CHANNEL,
                              "filter": {"symbol": symbol_of(asset), "window_seconds": TWAP_WINDOW_S}})
    frame = _dumps({"op": "subscribe", "rid": rid, "subscriptions": subscriptions})
    if len(subscriptions) > MAX_SUBSCRIPTIONS or len(frame.encode()) > MAX_FRAME_BYTES:
        raise ValueError(f"{len(subscriptions)} PolyBolt subscriptions exceed the server's limits")
    return frame


PING_FRAME = _dumps({"op": "ping"})


@dataclass(frozen=True)
class Control:
    """A reply to one of our ops: ``op`` with its ``rid``, ``channel`` and error ``code`` if any."""

    op: str
    rid: str = ""
    channel: str = ""
    code: str = ""


@dataclass(frozen=True)
class Parsed:
    """What one frame said: a control reply, or a data envelope (its ticks, sequence, drops)."""

    control: Control | None = None
    channel: str = ""
    seq: int | None = None
    snapshot: bool = False
    dropped: int = 0
    ticks: list[RefTick] = field(default_factory=list)


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise VenueParseError(f"{what}: {value!r} is not a non-negative integer")
    return value


def _value_e18(point: dict[str, Any]) -> int:
    exact = e18(text(point, "full_accuracy_value", "polybolt point"), "full_accuracy_value")
    approx = point.get("value")
    if approx not in (None, ""):
        near = e18(approx, "value")
        if near and abs(exact - near) > abs(near) * MAX_VALUE_DISAGREEMENT:
            raise VenueParseError(f"full_accuracy_value {point['full_accuracy_value']!r} disagrees with {approx!r}")
    if not MIN_VALUE_E18 <= exact <= MAX_VALUE_E18:
        raise VenueParseError(f"reference price {exact} e-18 is out of bounds")
    return exact


def parse(raw: str | bytes, recv_ts_ms: int) -> Parsed:
    """One PolyBolt frame; unknown channels and sources give no ticks, malformed ones raise."""
    frame = loads(raw)
    with parse_guard("polybolt frame"):
        if not isinstance(frame, dict):
            raise VenueParseError("polybolt frame is not an object")
        op = frame.get("op")
        if op is not None:
            if op not in CONTROL_OPS:
                raise VenueParseError(f"unknown op {op!r}")
            return Parsed(control=Control(str(op), str(frame.get("rid") or ""), str(frame.get("channel") or ""),
                                          str(frame.get("code") or "")))  # fmt: skip
        if frame.get("v") != ENVELOPE_VERSION or isinstance(frame.get("v"), bool):
            raise VenueParseError(f"unknown envelope version {frame.get('v')!r}")
        channel = text(frame, "channel", "polybolt envelope")
        seq = _count(frame.get("seq"), "seq")
        dropped = _count(frame.get("dropped", 0), "dropped")
        epoch_ms(frame.get("ts"), "ts")
        snapshot = frame.get("snapshot", False)
        if not isinstance(snapshot, bool):
            raise VenueParseError(f"snapshot: {snapshot!r} is not a boolean")
        payload = frame.get("payload")
        if not isinstance(payload, dict):
            raise VenueParseError("polybolt envelope has no payload object")
        source = SOURCES.get((channel, str(payload.get("source", "")).lower()))
        ticks = [] if source is None else _ticks(channel, source, payload, snapshot, recv_ts_ms)
        return Parsed(channel=channel, seq=seq, snapshot=snapshot, dropped=dropped, ticks=ticks)


def _ticks(channel: str, source: RefSource, payload: dict[str, Any], snapshot: bool, recv_ts_ms: int) -> list[RefTick]:
    symbol = text(payload, "symbol", "polybolt payload").lower()
    if channel == TWAP_CHANNEL and payload.get("window_seconds") != TWAP_WINDOW_S:
        raise VenueParseError(f"TWAP window {payload.get('window_seconds')!r}, not {TWAP_WINDOW_S}")
    if snapshot:
        points = payload.get("data")
        if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
            raise VenueParseError("polybolt snapshot has no data list of points")
    else:
        points = [payload]
    return [
        RefTick(source=source, asset=asset_of(symbol), symbol=symbol, value_e18=_value_e18(point),
                venue_ts_ms=epoch_ms(point.get("timestamp"), "timestamp"), recv_ts_ms=recv_ts_ms,
                from_snapshot=snapshot)
        for point in points
    ]  # fmt: skip
