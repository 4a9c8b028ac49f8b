"""alpha: reference prices, books and our fills -> a ``Signal`` per series on ``signal.<series>``.

One core per configured series, fed the oracle (Chainlink) and the lead (Binance) of its asset,
our fills (markouts), the takers' trades (flow) and the top of each window's books (the market's
mid, blended into q_up by ``book_blend_weight``). A signal goes out on every oracle or lead tick
(carrying that tick's venue time, for latency) and at least every ``TIMER_S`` for the time-driven
parts (endgame, staleness: a silent oracle produces no ticks, only the timer sees it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from common import state
from common.bus import streams
from common.bus.envelope import Envelope
from common.config.errors import ConfigError
from common.config.settings import LatencySettings, Settings
from common.runner import Context, Emit, Input, WorkerSpec
from common.runner.control import trading_mode
from common.runner.tracing import with_trace
from common.schemas.book import BestBidAsk, BookSnapshot, LastTrade
from common.schemas.control import ControlCommand
from common.schemas.market import MarketLifecycle, MarketRecord
from common.schemas.ref import RefTick
from common.schemas.signal import Signal
from common.schemas.user import Fill
from common.series import series_assets, series_keys
from common.strategy.params import alpha_config
from workers.alpha import metrics
from workers.alpha.core.adapt import NotAWindow, apply_ref_tick, window_from_record
from workers.alpha.core.engine import AlphaCore
from workers.alpha.core.moves import MoveMarker
from workers.alpha.core.types import WindowSpec

#: A signal at least this often per series, ticks or not.
TIMER_S = 1.0
#: The timer's decisions, as their traces name them.
TIMER = "timer"
#: Windows are forgotten this long after they end.
FORGET_AFTER_END_MS = 120_000


@dataclass
class SeriesState:
    core: AlphaCore = field(default_factory=AlphaCore)
    #: Marks the reference frames that move the fair value beyond ``latency.cancel_move_ppm``.
    moves: MoveMarker = field(default_factory=lambda: MoveMarker(LatencySettings().cancel_move_ppm))
    windows: dict[str, WindowSpec] = field(default_factory=dict)
    #: token id -> True for Up, False for Down.
    up_token: dict[str, bool] = field(default_factory=dict)
    #: token id -> its window's slug.
    token_slug: dict[str, str] = field(default_factory=dict)

    def current(self, now_ms: int) -> WindowSpec | None:
        live = [w for w in self.windows.values() if w.start_s * 1000 <= now_ms < w.end_s * 1000]
        return min(live, key=lambda w: w.end_s) if live else None


def ref_streams(settings: Settings) -> list[str]:
    """Ticks: only what comes after the worker first starts is of any use (as of books)."""
    return [streams.ref(a) for a in series_assets(settings)]


def book_streams(settings: Settings) -> list[str]:
    return [streams.book(k) for k in series_keys(settings)]


async def setup(ctx: Context) -> None:
    move_ppm = ctx.settings.latency.cancel_move_ppm
    ctx.resources["series"] = {key: SeriesState(core=AlphaCore(alpha_config(ctx.settings, key)),
                                                moves=MoveMarker(move_ppm))
                               for key in series_keys(ctx.settings)}  # fmt: skip
    # The markets stream's history is acked: rebuild the windows from the current state.
    for record in (await state.get_all(ctx.redis, state.MARKETS, MarketRecord)).values():
        on_record(ctx.resources["series"], record)
    ctx.resources["asset_of"] = dict(zip(series_keys(ctx.settings), series_assets(ctx.settings, per_series=True),
                                         strict=True))  # fmt: skip
    ctx.resources["halted"] = await trading_mode(ctx.redis) == "HALTED"


def signal_for(ctx: Context, key: str, now_ms: int) -> Signal | None:
    held: SeriesState = ctx.resources["series"][key]
    window = held.current(now_ms)
    if window is None or not ctx.owns(key):
        return None  # a series another instance owns (runner.instances): its core is kept warm here
    signal = held.core.evaluate(now_ms, window, halted=ctx.resources["halted"])
    metrics.observe(signal)
    return signal


async def handle(ctx: Context, env: Envelope) -> Sequence[Emit]:
    body = env.body
    series: dict[str, SeriesState] = ctx.resources["series"]
    now_ms = ctx.clock.now_ms()
    if isinstance(body, RefTick):
        out = []
        for key, asset in ctx.resources["asset_of"].items():
            if asset == body.asset and apply_ref_tick(series[key].core, body):
                signal = signal_for(ctx, key, now_ms)
                if signal is not None:
                    if series[key].moves.moved(signal.slug, signal.q_up_ppm):
                        signal = signal.model_copy(update={"fair_move": True})
                    out.append(Emit(streams.signal(key), signal, key=key))
        return out
    if isinstance(body, MarketRecord):
        on_record(series, body)
    elif isinstance(body, MarketLifecycle) and body.series in series and body.phase == "resolved":
        held = series[body.series]
        for slug, window in list(held.windows.items()):
            if window.end_s * 1000 + FORGET_AFTER_END_MS < now_ms:
                del held.windows[slug]
    elif isinstance(body, Fill):
        for held in series.values():
            if body.asset_id in held.up_token:
                held.core.on_own_fill(body.fill_id, body.match_time_ms or now_ms, held.up_token[body.asset_id],
                                      body.price_micro)  # fmt: skip
    elif isinstance(body, BestBidAsk | BookSnapshot):
        for held in series.values():
            if body.asset_id in held.up_token:
                held.core.on_book(held.token_slug[body.asset_id], held.up_token[body.asset_id], body.best_bid_micro,
                                  body.best_ask_micro, now_ms)  # fmt: skip
    elif isinstance(body, LastTrade):
        for held in series.values():
            if body.asset_id in held.up_token:
                up = held.up_token[body.asset_id] == (body.side == "BUY")
                held.core.on_taker_trade(body.venue_ts_ms, up, body.size_micro)
    return []


def on_record(series: dict[str, SeriesState], record: MarketRecord) -> None:
    held = series.get(record.series or "")
    if held is None:
        return
    try:
        held.windows[record.slug] = window_from_record(record)
    except NotAWindow:
        return
    names = [o.strip().lower() for o in record.outcomes]
    for token, name in zip(record.token_ids, names, strict=True):
        held.up_token[token] = name == "up"
        held.token_slug[token] = record.slug


async def timer(ctx: Context) -> None:
    while await ctx.sleep_on_clock(TIMER_S):
        if ctx.active:
            await timer_tick(ctx)


async def timer_tick(ctx: Context, _observed: str = "") -> None:
    """Every series' signal now (a replay calls it at the traced times). Every signal is made
    before the first is written, so that no tick handled meanwhile slips between them."""
    now_ms = ctx.clock.now_ms()
    out = [Emit(streams.signal(key), signal, key=key) for key in ctx.resources["series"]
           if (signal := signal_for(ctx, key, now_ms)) is not None]  # fmt: skip
    if out:
        # The decision's time is the signals' event time (as a tick's is for the signals it makes):
        # the wall's now in a live run, and the recorded time on the event clock.
        for emit in with_trace(ctx.tracer, now_ms, out, source=TIMER):
            await ctx.publish(emit.stream, emit.body, key=emit.key, event_ms=now_ms)


async def on_control(ctx: Context, cmd: ControlCommand) -> None:
    ctx.resources["halted"] = await trading_mode(ctx.redis) == "HALTED"
    if cmd.action == "reload":
        reconfigure(ctx, cmd)


def reconfigure(ctx: Context, cmd: ControlCommand) -> None:
    """The reloaded strategy's parameters for every series, or none of them (refused, with the
    reason) when any is invalid."""
    held: dict[str, SeriesState] = ctx.resources["series"]
    try:
        configs = {key: alpha_config(ctx.settings, key) for key in held}
    except ConfigError as exc:
        ctx.log.error("reload_refused", request_id=cmd.request_id, reason=str(exc))
        return
    changed = [key for key, config in configs.items() if held[key].core.config != config]
    for key in changed:
        held[key].core.reconfigure(configs[key])
    ctx.log.warning("strategy_reloaded", request_id=cmd.request_id, changed=changed)


SPEC = WorkerSpec(name="alpha", inputs=(Input(streams.MARKETS), Input(streams.FILLS), Input(ref_streams, start_id="$"),
                                        Input(book_streams, start_id="$", per_series=True)),
                  handle=handle, source=timer, setup=setup, on_control=on_control,
                  trace=True, source_decisions={TIMER: timer_tick})  # fmt: skip
