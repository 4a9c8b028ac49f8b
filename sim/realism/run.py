"""Run the emulator in process on a stepped clock (faster than the wall) and sample what a client
sees: each open window's ``/book`` body for both tokens once a second, the feeds RTDS publishes and
the trades.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.exchange.publish import summary
from sim.realism.stats import THINNING_OFFSETS_S, THINNING_SHARES, BookSample, vwap
from sim.server import TICK_MS, ServerConfig, SimServer
from sim.world.clock import SimClock
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.feeds import Source
from sim.world.trader_config import TraderConfig
from sim.world.windows import Window

#: The run's clock starts at the first window boundary after this instant (2026-09-21, TWAP era)...
BASE_START_S = 1_790_000_000
#: ...plus this much, so the first window has its strike and nearly all of its life ahead.
LEAD_IN_S = 5
#: Feed ticks read back each second (a feed publishes about one a second; a few spare for bunching).
RECENT_PER_SECOND = 4


@dataclass
class RealismRun:
    """What a run saw; the inputs of ``sim.realism.stats``."""

    minutes: float
    window_s: int
    books: list[BookSample] = field(default_factory=list)
    #: Per offset (seconds before the end): was the favourite fillable, one flag per window.
    thinning: dict[int, list[bool]] = field(default_factory=lambda: {o: [] for o in THINNING_OFFSETS_S})
    oracle: dict[int, float] = field(default_factory=dict)
    lead: dict[int, float] = field(default_factory=dict)
    #: Taker-side notional traded in the series' markets, in dollars.
    volume_usd: float = 0.0
    trades: int = 0


def _levels(side: object) -> list[tuple[float, float]]:
    assert isinstance(side, list)
    return [(float(level["price"]), float(level["size"])) for level in side]


def _read_book(server: SimServer, token_id: str, now_ms: int) -> tuple[float, float, list[tuple[float, float]]]:
    """Best bid, best ask (0 when a side is empty, as the recorded files show it) and the asks best
    first, parsed from the ``/book`` body the REST endpoint serves."""
    state = server.exchange.market_for_token(token_id)
    assert state is not None
    body = summary(state, token_id, now_ms)
    bids, asks = _levels(body["bids"]), _levels(body["asks"])
    best_bid = max((p for p, _ in bids), default=0.0)
    asks.sort()
    return best_bid, asks[0][0] if asks else 0.0, asks


def _sample(server: SimServer, run: RealismRun, window: Window, now_ms: int) -> None:
    up, down = window.ids.token_ids
    ub, ua, up_asks = _read_book(server, up, now_ms)
    db, da, down_asks = _read_book(server, down, now_ms)
    left_s = window.end_s - now_ms / 1000
    run.books.append(BookSample(now_ms // 1000, window.slug, left_s, ub, ua, db, da))
    for offset in THINNING_OFFSETS_S:
        if now_ms // 1000 == window.end_s - offset:
            fav_asks = up_asks if ub >= db else down_asks
            price = vwap(fav_asks, THINNING_SHARES)
            run.thinning[offset].append(price is not None and price < 0.99 - 1e-9)


def run_emulator(minutes: float, seed: int, series: SeriesConfig,
                 traders: TraderConfig | None = None) -> RealismRun:  # fmt: skip
    """Step a fresh emulator (no chain, no faults) through ``minutes`` of its time."""
    w = series.window_s
    start_s = (BASE_START_S // w + 1) * w + LEAD_IN_S
    clock = SimClock(start_s * 1000)
    cfg = ServerConfig(world=WorldConfig(seed=seed, series=(series,)), traders=traders or TraderConfig())
    server = SimServer(cfg, clock)
    run = RealismRun(minutes, w)
    feeds = server.world.feeds[series.asset]
    end_ms = clock.now_ms() + int(minutes * 60_000)
    while clock.now_ms() < end_ms:
        clock.advance_ms(TICK_MS)
        server.step()
        now_ms = clock.now_ms()
        if now_ms % 1000:
            continue
        for window in server.world.open_windows():
            _sample(server, run, window, now_ms)
        for source, into in ((Source.CHAINLINK, run.oracle), (Source.BINANCE, run.lead)):
            for tick in list(feeds.recent[source])[-RECENT_PER_SECOND:]:
                into[tick.timestamp_ms // 1000] = tick.value_e18 / 10**18
    markets = {win.ids.condition_id for win in server.world.windows()}
    for trade in server.exchange.trades():
        if trade.market in markets:
            run.volume_usd += trade.price_micro * trade.size_micro / 10**12
            run.trades += 1
    return run
