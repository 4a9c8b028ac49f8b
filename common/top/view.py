"""The view model of ``updown top``: a pure function of a :class:`~common.top.snapshot.Snapshot`.

Per series: the window in progress (or the next), time left, fair value and regime, both outcomes'
best bid/ask beside our resting ladder, our position and what is unpaired, fills and PnL of the
window and of the UTC day. Then the trading mode, the feeds, the workers, tick-to-order and the
recent alerts. Money stays in integer micro-units here; :mod:`common.top.render` formats it.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.schemas.market import MarketRecord
from common.top.snapshot import Snapshot

#: A day, in ms (the day's figures are the windows that started since UTC midnight).
DAY_MS = 86_400_000
#: A worker whose health hash is older than this is shown as silent.
HEALTH_STALE_MS = 10_000


@dataclass(frozen=True)
class OutcomeRow:
    outcome: str
    best_bid_micro: int | None
    best_ask_micro: int | None
    #: Our resting orders on this outcome: (side, price, remaining size), best price first.
    ladder: tuple[tuple[str, int, int], ...]
    shares_micro: int


@dataclass(frozen=True)
class SeriesRow:
    series: str
    slug: str
    window_start_ms: int
    window_end_ms: int
    time_left_ms: int
    fair_up_ppm: int | None
    regime: str
    outcomes: tuple[OutcomeRow, ...]
    #: |Up − Down| shares: what a full set does not cover.
    unpaired_micro: int
    window_fills: int
    window_pnl_micro: int


@dataclass(frozen=True)
class View:
    now_ms: int
    series: tuple[SeriesRow, ...]
    trading_mode: str
    day_fills: int
    day_pnl_micro: int
    #: (feed, state, age of that state in ms, reason)
    feeds: tuple[tuple[str, str, int, str], ...]
    #: (instance, state, age of its health in ms)
    workers: tuple[tuple[str, str, int], ...]
    tick_to_order_p50_ms: float | None
    tick_to_order_p99_ms: float | None
    venue_heartbeat: str
    quarantined: tuple[str, ...]
    #: (severity, kind, what it is about and who raised it, detail), latest first
    alerts: tuple[tuple[str, str, str, str], ...]
    #: From the frame that moved the fair value to the cancel of what it exposed.
    tick_to_cancel_p50_ms: float | None = None
    tick_to_cancel_p99_ms: float | None = None


def _current(markets: list[MarketRecord], now_ms: int) -> MarketRecord | None:
    """The window in progress, else the next to open."""
    timed = [m for m in markets if m.window_start_ms is not None and m.window_end_ms is not None]
    live = [m for m in timed if m.window_start_ms <= now_ms < m.window_end_ms]  # type: ignore[operator]
    if live:
        return min(live, key=lambda m: m.window_end_ms or 0)
    upcoming = [m for m in timed if m.window_start_ms > now_ms]  # type: ignore[operator]
    return min(upcoming, key=lambda m: m.window_start_ms or 0) if upcoming else None


def _series_row(snap: Snapshot, series: str, market: MarketRecord) -> SeriesRow:
    signal = snap.signals.get(series)
    if signal is not None and signal.slug != market.slug:
        signal = None
    position = snap.positions.get(market.condition_id)
    held = {o.token_id: o.shares_micro for o in position.outcomes} if position else {}
    rows = []
    for name, token in zip(market.outcomes, market.token_ids, strict=True):
        book = snap.books.get(token)
        mine = [o for o in snap.orders if o.get("token_id") == token]
        ladder = sorted(((str(o.get("side", "?")), int(o.get("price_micro", 0)),
                          int(o.get("size_micro", 0)) - int(o.get("size_matched_micro", 0))) for o in mine),
                        key=lambda r: -r[1] if r[0] == "BUY" else r[1])  # fmt: skip
        rows.append(OutcomeRow(name, book.best_bid_micro if book else None, book.best_ask_micro if book else None,
                               tuple(ladder), held.get(token, 0)))  # fmt: skip
    shares = [r.shares_micro for r in rows]
    summary = snap.pnl.get(market.slug)
    return SeriesRow(
        series=series, slug=market.slug, window_start_ms=market.window_start_ms or 0,
        window_end_ms=market.window_end_ms or 0, time_left_ms=max(0, (market.window_end_ms or 0) - snap.now_ms),
        fair_up_ppm=signal.q_up_ppm if signal else None, regime=signal.regime if signal else "-",
        outcomes=tuple(rows), unpaired_micro=max(shares) - min(shares) if shares else 0,
        window_fills=summary.fills if summary else 0,
        window_pnl_micro=(position.realized_pnl_micro + position.unrealized_pnl_micro) if position else 0,
    )  # fmt: skip


def _latency(latency: dict[str, str], field: str, span: str = "tick_to_order") -> float | None:
    raw = latency.get(f"{span}.{field}")
    return float(raw) if raw else None


def build(snap: Snapshot) -> View:
    """The view of one snapshot (pure: the same snapshot always gives the same view)."""
    by_series: dict[str, list[MarketRecord]] = {}
    for m in snap.markets.values():
        if m.series:
            by_series.setdefault(m.series, []).append(m)
    series = []
    for name in sorted(by_series):
        market = _current(by_series[name], snap.now_ms)
        if market is not None:
            series.append(_series_row(snap, name, market))
    day_start = snap.now_ms - snap.now_ms % DAY_MS
    today = {m.condition_id for m in snap.markets.values() if (m.window_start_ms or 0) >= day_start}
    day_fills = sum(s.fills for s in snap.pnl.values() if s.market in today)
    day_pnl = sum(p.realized_pnl_micro + p.unrealized_pnl_micro for c, p in snap.positions.items() if c in today)
    return View(
        now_ms=snap.now_ms, series=tuple(series), trading_mode=snap.trading_mode,
        day_fills=day_fills, day_pnl_micro=day_pnl,
        feeds=tuple((name, f.state, max(0, snap.now_ms - f.since_ms), f.reason)
                    for name, f in sorted(snap.feeds.items())),
        workers=tuple(_worker(h, snap.now_ms) for h in snap.health),
        tick_to_order_p50_ms=_latency(snap.latency, "p50_ms"), tick_to_order_p99_ms=_latency(snap.latency, "p99_ms"),
        tick_to_cancel_p50_ms=_latency(snap.latency, "p50_ms", "tick_to_cancel"),
        tick_to_cancel_p99_ms=_latency(snap.latency, "p99_ms", "tick_to_cancel"),
        venue_heartbeat=str(snap.exec_status.get("heartbeat", "-")),
        quarantined=tuple(str(q) for q in snap.exec_status.get("quarantined_markets", ())),
        alerts=tuple((a.severity, a.kind, f"{a.subject} ({a.process})" if a.subject else a.process, a.detail)
                     for a in snap.alerts),
    )  # fmt: skip


def _worker(health: dict[str, str], now_ms: int) -> tuple[str, str, int]:
    age = max(0, now_ms - int(health.get("ts_ms", now_ms)))
    state = health.get("state", "?")
    return health.get("instance", "?"), state if age <= HEALTH_STALE_MS else f"{state}?", age
