"""The calibrated emulator world, in process on its stepped clock with no bot attached, as the bot's
feeds would have recorded it: the entries, in time order, for ``write_recording``.

Each 50-ms step (the emulator's own tick): the world moves (prices, windows, background traders,
matching); the reference ticks it published in the step become ``ref.<asset>`` entries, the
market-channel messages the exchange emitted become ``book.<series>`` entries, and once a second
discovery's loop asks the emulator's Gamma for what it would have and writes ``markets``. Every
entry is timed at the step's end (when the live emulator sends what the step made). Nothing reads
the wall clock or an unseeded random source: a seed gives the same entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from cli.record_import.entry import Entry
from cli.sim_record.discovery import DiscoveryDriver
from cli.sim_record.feeds import BookTap, RefTap
from common.bus import streams
from common.series import parse_series
from sim.gamma import GammaSource
from sim.realism.run import BASE_START_S, LEAD_IN_S
from sim.server import TICK_MS, ServerConfig, SimServer
from sim.world.clock import SimClock
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.feeds import FeedTick, Source
from sim.world.gamma_view import Quote
from sim.world.trader_config import TraderConfig
from sim.world.windows import Window

#: Ticks of one step in the world's own order: a second's Chainlink report, its TWAP, then Binance.
SOURCE_ORDER = {Source.CHAINLINK: 0, Source.TWAP: 1, Source.BINANCE: 2}


def start_ms(series: SeriesConfig, after_s: int = BASE_START_S) -> int:
    """Where the run's clock starts: just after the first window boundary after ``after_s`` (by
    default ``updown sim realism``'s instant)."""
    w = series.window_s
    return ((after_s // w + 1) * w + LEAD_IN_S) * 1000


def new_ticks(server: SimServer, asset: str, after_ms: int, now_ms: int) -> list[FeedTick]:
    """The ticks of ``asset`` published in (``after_ms``, ``now_ms``], in the world's order."""
    recent = server.world.feeds[asset].recent
    out: list[FeedTick] = []
    for source in Source:
        for tick in reversed(recent[source]):
            if tick.publish_ms <= after_ms:
                break
            if tick.publish_ms <= now_ms:
                out.append(tick)
    out.sort(key=lambda t: (t.publish_ms, SOURCE_ORDER[t.source], t.timestamp_ms))
    return out


def gamma_of(server: SimServer) -> Callable[[str], dict[str, object] | None]:
    """A window's Gamma event by slug, as ``/gamma/events/slug/{slug}`` answers it."""

    def tick_of(window: Window) -> int | None:
        state = server.exchange.market(window.ids.condition_id)
        return state.tick_micro if state is not None else None

    def quote_of(window: Window) -> Quote:
        state = server.exchange.market(window.ids.condition_id)
        if state is None:
            return Quote()
        up = window.ids.token_ids[0]
        bid, ask = state.top(up)
        return Quote(bid, ask, state.last_trade_micro.get(up))

    cfg = server.cfg.world
    source = GammaSource(find=server.world.window_by_slug, now_s=lambda: server.clock.now_ms() // 1000,
                         seed=cfg.seed, terms=cfg.terms, tick_micro=tick_of, quote=quote_of)  # fmt: skip

    def lookup(slug: str) -> dict[str, object] | None:
        window = source.find(slug)
        return source.event(window) if window is not None else None

    return lookup


class SimRecording:
    """One run: the emulator of ``seed`` (and ``price_file``) and the feeds' taps on it."""

    def __init__(self, minutes: float, seed: int, series: SeriesConfig, price_file: Path | None = None,
                 after_s: int = BASE_START_S) -> None:  # fmt: skip
        self.series = series
        self.begin_ms = start_ms(series, after_s)
        self.end_ms = self.begin_ms + int(minutes * 60_000)
        self.clock = SimClock(self.begin_ms)
        world = WorldConfig(seed=seed, series=(series,), price_file=price_file)
        self.server = SimServer(ServerConfig(world=world, traders=TraderConfig()), self.clock)
        self.book, self.ref = BookTap(), RefTap([series.asset])
        self.server.exchange.subscribe(self.book.on_event)
        self.discovery = DiscoveryDriver([parse_series(series.key)], gamma_of(self.server), self.begin_ms)

    def entries(self, on_second: Callable[[int, int], object] = lambda now_ms, end_ms: None) -> Iterator[Entry]:
        """Step to the end; the entries in time order. ``on_second(now_ms, end_ms)`` each second."""
        clock, server, asset = self.clock, self.server, self.series.asset
        last_ms = self.begin_ms
        while clock.now_ms() < self.end_ms:
            clock.advance_ms(TICK_MS)
            server.step()
            now_ms = clock.now_ms()
            yield from self.ref.entries(new_ticks(server, asset, last_ms, now_ms), now_ms)
            yield from self.book.drain(now_ms)
            for body in self.discovery.poll(now_ms):
                key = getattr(body, "series", None) or ""
                yield Entry(now_ms, streams.MARKETS, body, "discovery", key, now_ms, now_ms)
                yield from self.book.on_markets(body, now_ms, server.exchange.market_for_token)
            last_ms = now_ms
            if now_ms % 1000 == 0:
                on_second(now_ms, self.end_ms)
