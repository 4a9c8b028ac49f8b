"""quoter: the latest signal, books, positions, market and reward hints -> an ``Intent`` per window
on ``intent.<series>``: the whole desired ladder for both outcomes, and taker orders.

It decides on every signal and again when the top of either book moves, at most every
``BOOK_REQUOTE_MIN_MS`` per series. The intent's envelope carries the originating event's times of
whatever caused the decision (the reference tick behind the signal, or the book move), which is
what tick-to-order latency is measured from.

Risk never fails open: while the ledger's positions cannot be trusted (``ledger_watch``: the ledger
down, behind the fills, or silent since start) it buys nothing and says why in the intent's reason.
In FLATTENING it closes each window's position (``core.flatten``) and, once nothing is left, reports
it once in ``audit``; the mode stays FLATTENING until resume or halt.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from common.bus import streams
from common.bus.envelope import Envelope
from common.config.errors import ConfigError
from common.config.settings import Settings
from common.ops import alerts
from common.runner import Context, Emit, Input, WorkerSpec
from common.runner.control import control_mode, report_flat
from common.runner.tracing import with_trace
from common.schemas.book import BestBidAsk
from common.schemas.control import ControlCommand
from common.schemas.feed import FeedStatus
from common.schemas.market import MarketRecord
from common.schemas.positions import AccountPosition, MarketPosition
from common.schemas.rewards import RewardHintMessage
from common.schemas.signal import Signal
from common.series import series_keys
from common.strategy.params import quoter_config
from common.strategy.quoter import QuoterConfig
from workers.quoter import ledger_watch, metrics
from workers.quoter.core.adapt import NotAnUpDownMarket, hint_from_message, market_from_record
from workers.quoter.core.churn import config_digest
from workers.quoter.core.engine import QuoterCore
from workers.quoter.core.limits import blocked_reason
from workers.quoter.core.types import Books, BookTop, QuoterInputs, TradingMode
from workers.quoter.params import cores_for
from workers.quoter.view import USER_FEED, View, left_to_flatten, load, positions_of, remember, see_account

#: The ledger watch's decisions, as their traces name them.
LEDGER_TRUST = "ledger_trust"
#: A book move re-quotes a series at most this often (signals always do).
BOOK_REQUOTE_MIN_MS = 100


def signal_streams(settings: Settings) -> list[str]:
    return [streams.signal(k) for k in series_keys(settings)]


def book_streams(settings: Settings) -> list[str]:
    return [streams.book(k) for k in series_keys(settings)]


def intent_streams(settings: Settings) -> list[str]:
    """What the quoter writes (and so trims: one writer per stream)."""
    return [streams.intent(k) for k in series_keys(settings)]


async def setup(ctx: Context) -> None:
    ctx.resources["view"] = await load(ctx)
    ctx.resources["started_ms"] = ctx.clock.now_ms()
    ctx.resources["cores"] = cores_for(ctx.settings, series_keys(ctx.settings))
    show_limits(ctx)


def core_for(ctx: Context, series: str) -> QuoterCore:
    """A core for a series that is not configured here (its signal came anyway): its parameters."""
    core = ctx.resources["cores"][series] = QuoterCore(quoter_config(ctx.settings, series))
    return core


def show_limits(ctx: Context) -> None:
    cores: dict[str, QuoterCore] = ctx.resources["cores"]
    metrics.LOSS_LIMIT.set(min(core.config.daily_loss_limit_micro for core in cores.values()))


async def watch_ledger(ctx: Context) -> None:
    """Keep ``view.positions_stale`` current; when it changes, decide again at once."""
    view: View = ctx.resources["view"]
    while True:
        stale = await ledger_watch.check(ctx, account_seen=view.account_seen, started_ms=ctx.resources["started_ms"])
        await on_ledger_trust(ctx, stale)
        if not await ctx.sleep_on_clock(ctx.settings.quoter.ledger_check_interval_ms / 1000):
            return


async def on_ledger_trust(ctx: Context, stale: str) -> None:
    """The ledger looked at (``stale``: why its positions cannot be trusted, "" if they can): on a
    change, every series decided again at one time (a replay calls it with the traced value)."""
    view: View = ctx.resources["view"]
    if stale == view.positions_stale:
        return
    view.positions_stale = stale
    ctx.log.warning("positions_" + ("untrusted" if stale else "trusted"), reason=stale)
    with pinned_now(ctx) as now_ms:
        out = [e for series in list(view.signals) for e in decide(ctx, series)]
        # Traced even without outputs: the trust is an input of every later decision.
        out = with_trace(ctx.tracer, now_ms, out, source=LEDGER_TRUST, value=stale)
    for emit in out:  # stamped at the time decided on (an event clock's, not the wall's)
        await ctx.publish(emit.stream, emit.body, key=emit.key, event_ms=now_ms)


@contextmanager
def pinned_now(ctx: Context) -> Iterator[int]:
    """One time for a decision over every series (pinned when the worker is traced)."""
    if ctx.tracer is None:
        yield ctx.clock.now_ms()
    else:
        with ctx.tracer.clock.pinned() as now_ms:
            yield now_ms


def decide(ctx: Context, series: str, *, fair_move: bool = False) -> list[Emit]:
    """``fair_move``: decided on a signal whose frame moved the fair value beyond the threshold;
    the intent says so, for the executor's ``tick_to_cancel``."""
    view: View = ctx.resources["view"]
    signal = view.signals.get(series)
    if signal is None or not ctx.owns(series):
        return []  # another instance quotes a series this one does not own (runner.instances)
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
                          mode=mode, hints=hints, positions_stale=view.positions_stale)  # fmt: skip
    core = ctx.resources["cores"].get(series) or core_for(ctx, series)
    intent = core.decide(inputs)
    if fair_move:
        intent = intent.model_copy(update={"fair_move": True})
    metrics.observe(intent)
    view.last_decision_ms[series] = now_ms
    return [Emit(streams.intent(series), intent, key=meta.condition_id), *limit_alert(ctx, inputs, core.config)]


def limit_alert(ctx: Context, inputs: QuoterInputs, config: QuoterConfig) -> list[Emit]:
    """An alert when a limit newly stops the quoting (once per change, across every series)."""
    reason = blocked_reason(inputs, config)
    previous = ctx.resources.get("limit_reason")
    ctx.resources["limit_reason"] = reason
    alert = alerts.trading_halted(previous, reason, ctx.instance, inputs.now_ms,
                                  detail=f"day pnl {inputs.positions.daily_pnl_micro} micro-pUSD, "
                                  f"limit -{config.daily_loss_limit_micro}")  # fmt: skip
    return [] if alert is None else [Emit(streams.ALERTS, alert, key=alert.kind)]


async def handle(ctx: Context, env: Envelope) -> Sequence[Emit]:
    view: View = ctx.resources["view"]
    body = env.body
    if isinstance(body, Signal):
        view.signals[body.series] = body
        return decide(ctx, body.series, fair_move=body.fair_move)
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
        await flat_check(ctx)
        record = next((r for r in view.records.values() if r.condition_id == body.market), None)
        if view.mode is TradingMode.FLATTENING and record is not None and record.series in view.signals:
            return decide(ctx, record.series)  # a fill moved what is left to close: at once
    elif isinstance(body, AccountPosition):
        see_account(view, body)
    elif isinstance(body, RewardHintMessage):
        view.hints[(body.market, body.outcome)] = body
    elif isinstance(body, FeedStatus) and body.feed == USER_FEED:
        was_up, view.user_feed_up = view.user_feed_up, body.state == "up"
        if was_up != view.user_feed_up:
            ctx.log.warning("user_feed_" + body.state, pulling=not view.user_feed_up)
            return [e for series in list(view.signals) for e in decide(ctx, series)]
    return []


async def flat_check(ctx: Context) -> None:
    """In FLATTENING, once nothing is left to close: say so, once per flatten (``audit`` and the log)."""
    view: View = ctx.resources["view"]
    if view.mode is not TradingMode.FLATTENING or view.flat_reported or left_to_flatten(view, ctx.clock.now_ms()):
        return
    view.flat_reported = True
    if await report_flat(ctx.redis, reported_by=ctx.instance, detail="nothing left to flatten", clock=ctx.clock):
        ctx.log.warning("flatten_done", mode=view.mode.value, next="stays FLATTENING until resume or halt")


async def on_control(ctx: Context, cmd: ControlCommand) -> None:
    view: View = ctx.resources["view"]
    if cmd.action == "reload":
        reconfigure(ctx, cmd)
    view.mode = TradingMode(await control_mode(ctx.redis))
    if cmd.action == "flatten":
        view.flat_reported = False
    await flat_check(ctx)


def reconfigure(ctx: Context, cmd: ControlCommand) -> None:
    """The strategy and risk parameters of the reloaded configuration, from the next decision on;
    refused with the reason (the old ones stay) when any series' are invalid."""
    try:
        ctx.resources["cores"] = cores_for(ctx.settings, series_keys(ctx.settings), ctx.resources["cores"])
    except ConfigError as exc:
        ctx.log.error("reload_refused", request_id=cmd.request_id, reason=str(exc))
        return
    show_limits(ctx)
    configs = {key: core.config for key, core in ctx.resources["cores"].items()}
    ctx.log.warning("strategy_reloaded", request_id=cmd.request_id,
                    digests={key: config_digest(c).hex()[:12] for key, c in configs.items()})  # fmt: skip


SPEC = WorkerSpec(
    name="quoter",
    inputs=(Input(signal_streams, start_id="$", per_series=True), Input(book_streams, start_id="$", per_series=True),
            Input(streams.MARKETS),
            Input(streams.POSITIONS), Input(streams.REWARDS, start_id="$"), Input(streams.FEEDS, start_id="$")),
    handle=handle, source=watch_ledger, setup=setup, on_control=on_control, writes=(intent_streams,),
    trace=True, source_decisions={LEDGER_TRUST: on_ledger_trust},
)  # fmt: skip
