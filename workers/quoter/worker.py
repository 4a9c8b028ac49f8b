"""quoter: the latest signal, books, positions, market and reward hints -> an ``Intent`` per window
on ``intent.<series>``: the whole desired ladder for both outcomes, and taker orders.

It decides on every signal and again when the top of either book moves, at most every
``BOOK_REQUOTE_MIN_MS`` per series. The intent's envelope carries the originating event's times of
whatever caused the decision (the reference tick behind the signal, or the book move), which is
what tick-to-order latency is measured from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from common import state
from common.bus import streams
from common.bus.envelope import Envelope
from common.config.settings import Settings
from common.runner import Context, Emit, Input, WorkerSpec
from common.runner.control import trading_mode
from common.schemas.book import BestBidAsk
from common.schemas.control import ControlCommand
from common.schemas.feed import FeedStatus
from common.schemas.market import MarketRecord
from common.schemas.positions import AccountPosition, MarketPosition
from common.schemas.rewards import RewardHintMessage
from common.schemas.signal import Signal
from common.series import series_keys
from workers.quoter import metrics
from workers.quoter.core.adapt import NotAnUpDownMarket, hint_from_message, market_from_record
from workers.quoter.core.engine import QuoterCore
from workers.quoter.core.types import Books, BookTop, MarketMeta, Positions, QuoterInputs, TradingMode

#: The feed whose loss makes the quoter pull: without it we cannot see our own fills.
USER_FEED = "user"
#: A window's record is dropped this long after the window ended (nothing quotes it any more).
FORGET_AFTER_END_MS = 10 * 60_000
#: A book move re-quotes a series at most this often (signals always do).
BOOK_REQUOTE_MIN_MS = 100


@dataclass
class View:
    """What the quoter knows now, across series."""

    records: dict[str, MarketRecord] = field(default_factory=dict)  # by slug
    series_of_token: dict[str, str] = field(default_factory=dict)
    tops: dict[str, BookTop] = field(default_factory=dict)  # by token id
    positions: dict[str, MarketPosition] = field(default_factory=dict)  # by condition id
    hints: dict[tuple[str, str], RewardHintMessage] = field(default_factory=dict)  # (market, outcome)
    signals: dict[str, Signal] = field(default_factory=dict)  # by series
    last_decision_ms: dict[str, int] = field(default_factory=dict)
    daily_pnl_micro: int = 0
    mode: TradingMode = TradingMode.ACTIVE
    #: False while the user feed is down: blind to our own fills, the quoter wants no orders.
    user_feed_up: bool = True


def signal_streams(settings: Settings) -> list[str]:
    return [streams.signal(k) for k in series_keys(settings)]


def book_streams(settings: Settings) -> list[str]:
    return [streams.book(k) for k in series_keys(settings)]


def intent_streams(settings: Settings) -> list[str]:
    """What the quoter writes (and so trims: one writer per stream)."""
    return [streams.intent(k) for k in series_keys(settings)]


async def setup(ctx: Context) -> None:
    view = View()
    for record in (await state.get_all(ctx.redis, state.MARKETS, MarketRecord)).values():
        remember(view, record, ctx.clock.now_ms())
    view.positions = {p.market: p for p in (await state.get_all(ctx.redis, state.POSITIONS, MarketPosition)).values()
                      if isinstance(p, MarketPosition)}  # fmt: skip
    view.mode = TradingMode(await trading_mode(ctx.redis))
    user = await state.get(ctx.redis, state.FEEDS, USER_FEED, FeedStatus)
    view.user_feed_up = user is None or user.state == "up"
    ctx.resources["view"] = view
    ctx.resources["core"] = core = QuoterCore()
    metrics.LOSS_LIMIT.set(core.config.daily_loss_limit_micro)


def remember(view: View, record: MarketRecord, now_ms: int) -> None:
    """Keep a window's record and its tokens' series; forget windows long over."""
    view.records[record.slug] = record
    for token in record.token_ids:
        view.series_of_token[token] = record.series or ""
    for slug, old in list(view.records.items()):
        if old.window_end_ms is not None and old.window_end_ms + FORGET_AFTER_END_MS < now_ms:
            del view.records[slug]
            for token in old.token_ids:
                view.series_of_token.pop(token, None)


def positions_of(view: View, meta: MarketMeta) -> Positions:
    held = {o.token_id: o for p in view.positions.values() for o in p.outcomes if p.market == meta.condition_id}
    up, down = held.get(meta.up_token_id), held.get(meta.down_token_id)
    other = sum(o.cost_micro for p in view.positions.values() if p.market != meta.condition_id for o in p.outcomes)
    return Positions(up_micro=up.shares_micro if up else 0, down_micro=down.shares_micro if down else 0,
                     up_cost_micro=up.cost_micro if up else 0, down_cost_micro=down.cost_micro if down else 0,
                     other_windows_cost_micro=other, daily_pnl_micro=view.daily_pnl_micro)  # fmt: skip


def decide(ctx: Context, series: str) -> list[Emit]:
    view: View = ctx.resources["view"]
    signal = view.signals.get(series)
    if signal is None:
        return []
    record = view.records.get(signal.slug)
    if record is None:
        return []
    try:
        meta = market_from_record(record)
    except NotAnUpDownMarket:
        return []
    now_ms = ctx.clock.now_ms()
    books = Books(up=view.tops.get(meta.up_token_id, BookTop()), down=view.tops.get(meta.down_token_id, BookTop()))
    hints = tuple(h for m in view.hints.values() if m.market == meta.condition_id
                  if (h := hint_from_message(m, now_ms)) is not None)  # fmt: skip
    # Blind to our own fills (user feed down), every order is a guess about our position: pull.
    mode = view.mode if view.user_feed_up else TradingMode.HALTED
    inputs = QuoterInputs(now_ms=now_ms, signal=signal, market=meta, books=books, positions=positions_of(view, meta),
                          mode=mode, hints=hints)  # fmt: skip
    intent = ctx.resources["core"].decide(inputs)
    metrics.observe(intent)
    view.last_decision_ms[series] = now_ms
    return [Emit(streams.intent(series), intent, key=meta.condition_id)]


async def handle(ctx: Context, env: Envelope) -> Sequence[Emit]:
    view: View = ctx.resources["view"]
    body = env.body
    if isinstance(body, Signal):
        view.signals[body.series] = body
        return decide(ctx, body.series)
    if isinstance(body, BestBidAsk):
        if body.source != "book":
            return []
        top = BookTop(bid_micro=body.best_bid_micro, ask_micro=body.best_ask_micro)
        if view.tops.get(body.asset_id) == top:
            return []
        view.tops[body.asset_id] = top
        series = view.series_of_token.get(body.asset_id)
        if series and ctx.clock.now_ms() - view.last_decision_ms.get(series, 0) >= BOOK_REQUOTE_MIN_MS:
            return decide(ctx, series)
    elif isinstance(body, MarketRecord):
        remember(view, body, ctx.clock.now_ms())
    elif isinstance(body, MarketPosition):
        view.positions[body.market] = body
    elif isinstance(body, AccountPosition):
        view.daily_pnl_micro = body.realized_pnl_micro + body.unrealized_pnl_micro
    elif isinstance(body, RewardHintMessage):
        view.hints[(body.market, body.outcome)] = body
    elif isinstance(body, FeedStatus) and body.feed == USER_FEED:
        was_up, view.user_feed_up = view.user_feed_up, body.state == "up"
        if was_up != view.user_feed_up:
            ctx.log.warning("user_feed_" + body.state, pulling=not view.user_feed_up)
            return [e for series in list(view.signals) for e in decide(ctx, series)]
    return []


async def on_control(ctx: Context, cmd: ControlCommand) -> None:
    view: View = ctx.resources["view"]
    view.mode = TradingMode(await trading_mode(ctx.redis))


SPEC = WorkerSpec(
    name="quoter",
    inputs=(Input(signal_streams, start_id="$"), Input(book_streams, start_id="$"), Input(streams.MARKETS),
            Input(streams.POSITIONS), Input(streams.REWARDS, start_id="$"), Input(streams.FEEDS, start_id="$")),
    handle=handle, setup=setup, on_control=on_control, writes=(intent_streams,),
)  # fmt: skip
