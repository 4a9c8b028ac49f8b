"""Everything ``updown top`` shows, read from Redis in one pass (the only impure part of the view).

Reads only what the workers already publish: ``state:*`` hashes (through :mod:`common.state`),
the latest entry of each ``signal.<series>`` stream, ``health:*``, ``ctl:trading_mode`` and the
recent ``alerts``. Works against any Redis; absent keys read as empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

import redis

from common import state
from common.bus import streams
from common.bus.codec import decode
from common.latency import LATENCY_KEY
from common.runner.control import TRADING_MODE_KEY
from common.runner.health import KEY_PREFIX
from common.schemas.base import Message
from common.schemas.book import BookSnapshot
from common.schemas.feed import FeedStatus
from common.schemas.market import MarketRecord
from common.schemas.ops import AlertRaised
from common.schemas.positions import AccountPosition, MarketPosition, WindowSummary
from common.schemas.signal import Signal

M = TypeVar("M", bound=Message)

#: The executor's status hash (mode, venue heartbeat, quarantined markets).
EXEC_STATUS_KEY = "state:exec"
#: How many recent alerts the view reads.
ALERTS_SHOWN = 5


@dataclass(frozen=True)
class Snapshot:
    """The raw reads, typed: the input of :func:`common.top.view.build`."""

    now_ms: int
    markets: dict[str, MarketRecord] = field(default_factory=dict)
    signals: dict[str, Signal] = field(default_factory=dict)
    books: dict[str, BookSnapshot] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    positions: dict[str, MarketPosition] = field(default_factory=dict)
    account: AccountPosition | None = None
    pnl: dict[str, WindowSummary] = field(default_factory=dict)
    trading_mode: str = "ACTIVE"
    feeds: dict[str, FeedStatus] = field(default_factory=dict)
    health: list[dict[str, str]] = field(default_factory=list)
    latency: dict[str, str] = field(default_factory=dict)
    exec_status: dict[str, Any] = field(default_factory=dict)
    alerts: list[AlertRaised] = field(default_factory=list)


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _hash(client: redis.Redis, key: str, model: type[M]) -> dict[str, M]:
    out: dict[str, M] = {}
    for k, v in client.hgetall(key).items():
        name = _s(k)
        if state.model_of(key, name) is model:
            out[name] = model.model_validate_json(v)
    return out


def _latest(client: redis.Redis, stream: str, model: type[Any]) -> Any:
    for entry_id, fields in client.xrevrange(stream, count=1):
        body = decode(fields, _s(entry_id)).body
        return body if isinstance(body, model) else None
    return None


def read(client: redis.Redis, now_ms: int) -> Snapshot:
    """One consistent-enough pass over Redis (each read is atomic; the view is a moment's picture)."""
    markets: dict[str, MarketRecord] = _hash(client, state.MARKETS, MarketRecord)
    series = sorted({m.series for m in markets.values() if m.series})
    signals = {s: sig for s in series if (sig := _latest(client, streams.signal(s), Signal)) is not None}
    tokens = sorted({t for m in markets.values() if not m.closed for t in m.token_ids})
    raws = client.mget([state.book_key(t) for t in tokens]) if tokens else []
    books = {t: b for t, raw in zip(tokens, raws, strict=True) if raw and (b := _book(raw)) is not None}
    account_raw = client.hget(state.POSITIONS, state.ACCOUNT)
    mode = client.get(TRADING_MODE_KEY)
    exec_raw = client.hget(EXEC_STATUS_KEY, "status")
    return Snapshot(
        now_ms=now_ms, markets=markets, signals=signals, books=books,
        orders=[json.loads(v) for v in client.hgetall(state.ORDERS).values()],
        positions=_hash(client, state.POSITIONS, MarketPosition),
        account=AccountPosition.model_validate_json(account_raw) if account_raw else None,
        pnl=_hash(client, state.PNL, WindowSummary), trading_mode=_s(mode) if mode else "ACTIVE",
        feeds=_hash(client, state.FEEDS, FeedStatus),
        health=[{_s(k): _s(v) for k, v in client.hgetall(key).items()}
                for key in sorted(client.scan_iter(match=f"{KEY_PREFIX}*", count=500))],
        latency={_s(k): _s(v) for k, v in client.hgetall(LATENCY_KEY).items()},
        exec_status=json.loads(exec_raw) if exec_raw else {},
        alerts=_alerts(client),
    )  # fmt: skip


def _book(raw: bytes) -> BookSnapshot | None:
    try:
        return BookSnapshot.model_validate_json(raw)
    except ValueError:
        return None


def _alerts(client: redis.Redis) -> list[AlertRaised]:
    out = []
    for entry_id, fields in client.xrevrange(streams.ALERTS, count=ALERTS_SHOWN):
        try:
            body = decode(fields, _s(entry_id)).body
        except Exception:  # an entry this version cannot read is skipped, not fatal to the view
            continue
        if isinstance(body, AlertRaised):
            out.append(body)
    return out
