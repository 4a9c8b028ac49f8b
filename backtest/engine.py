"""The replay: a recording's events, in their recorded order, through one strategy and the venue.

Time is the recording's (each entry's stream id). Between two entries the loop carries out what
falls due in order: window ends (the venue stops: our orders are gone, the window is settled by its
rule), our requests reaching the venue (``backtest.venue``), and each whole second (sampling for
the scorecard, and a decision per window, as the live alpha's timer makes one). The strategy also
decides when it would live: the quoter on every oracle tick (a new signal), every strategy when the
top of either book moves, at most every ``BOOK_REQUOTE_MIN_MS``. Nothing here reads a clock or a
random source: the same recording and parameters give the same run.
"""

from __future__ import annotations

from collections.abc import Sequence

from backtest.frame import OutcomeName
from backtest.market import MarketSim
from backtest.recording import Recording
from backtest.rewards import sample_rewards
from backtest.settle import RefHistory, asset_of, by_last_mid, settle
from backtest.strategies import (
    QUOTER_V1,
    QUOTERS,
    BandsStrategy,
    QuoterStrategy,
    RecordedStrategy,
    Strategy,
    TouchStrategy,
    View,
)
from backtest.types import DEFAULT_LATENCY_MS, FillRecord, Params, Run
from backtest.venue import OrderEvent, VenueFill
from common.money import MICRO_PER_UNIT as MICRO
from common.schemas.book import BookDelta, BookSnapshot, LastTrade
from common.schemas.market import MarketLifecycle, MarketRecord
from common.schemas.ref import RefTick
from common.schemas.rewards import RewardHintMessage
from common.schemas.user import Fill
from common.schemas.user import OrderEvent as RecordedOrder
from workers.alpha.core import AlphaCore
from workers.alpha.core.adapt import apply_ref_tick, window_from_record
from workers.alpha.worker import TIMER_S as ALPHA_TIMER_S
from workers.quoter.core import Positions
from workers.quoter.core.adapt import NotAnUpDownMarket, hint_from_message, market_from_record
from workers.quoter.worker import BOOK_REQUOTE_MIN_MS  # a book move re-decides at most this often, as live

__all__ = ["DEFAULT_LATENCY_MS", "FillRecord", "Params", "Replay", "Run", "replay"]

#: The scorecard samples (uptime, rewards, PnL over time) and the timer decides this often: the live
#: alpha's timer (``workers.alpha.worker.TIMER_S``).
SAMPLE_MS = round(ALPHA_TIMER_S * 1000)


def make_strategy(name: str, params: Params) -> Strategy:
    if name == "recorded":
        return RecordedStrategy()
    if name == "quoter":
        return QuoterStrategy(params.quoter)
    if name == "quoter-v1":
        return QuoterStrategy(QUOTER_V1, name)
    if name == "bands":
        return BandsStrategy(params.baseline)
    if name == "touch":
        return TouchStrategy(params.baseline)
    raise ValueError(f"unknown strategy {name!r} (quoter, quoter-v1, bands, touch, recorded)")


class Replay:
    def __init__(self, recording: Recording, strategy: str, params: Params) -> None:
        self.recording, self.params = recording, params
        self.strategy = make_strategy(strategy, params)
        self.run = Run(strategy, params)
        self.history = RefHistory(e.body for e in recording.of(RefTick))  # type: ignore[misc]
        self.venue_winner: dict[str, OutcomeName] = {}
        for e in recording.of(MarketLifecycle):
            body: MarketLifecycle = e.body  # type: ignore[assignment]
            if body.phase == "resolved" and body.winning_outcome:
                self.venue_winner[body.condition_id] = "UP" if body.winning_outcome.lower() == "up" else "DOWN"
        self.markets: dict[str, MarketSim] = {}
        #: The markets not closed yet (by condition id), and the series of each asset.
        self.open: dict[str, MarketSim] = {}
        self.series_of_asset: dict[str, set[str]] = {}
        self.by_token: dict[str, MarketSim] = {}
        self.alpha: dict[str, AlphaCore] = {}
        self.hints: dict[tuple[str, str], RewardHintMessage] = {}
        self.next_sample_ms = (recording.first_ms // SAMPLE_MS + 1) * SAMPLE_MS
        self.now_ms = recording.first_ms
        self.settled_pnl_micro = 0
        self.recorded_seen: set[tuple[str, str]] = set()

    def execute(self) -> Run:
        for entry in self.recording.entries:
            self._advance(entry.ms)
            self.now_ms = entry.ms
            self._apply(entry.body)
        self._advance(self.recording.last_ms)
        for m in list(self.open.values()):  # the recording ends inside the window: its end is unknown
            self._forget(m)
            m.unsettled = True
        self.run.markets = sorted(self.markets.values(), key=lambda m: (m.start_ms, m.record.slug))
        return self.run

    # -- time ------------------------------------------------------------------------------------------

    def _advance(self, to_ms: int) -> None:
        while True:
            open_markets = list(self.open.values())
            end = min((m.end_ms for m in open_markets), default=None)
            due = min((d for m in open_markets if (d := m.venue.next_due_ms()) is not None), default=None)
            if end is not None and end <= to_ms and (due is None or end <= due) and end <= self.next_sample_ms:
                self.now_ms = end
                for m in sorted(open_markets, key=lambda m: m.record.slug):
                    if m.end_ms == end:
                        self._close(m)
            elif due is not None and due <= to_ms and due <= self.next_sample_ms:
                self.now_ms = due
                for m in sorted(open_markets, key=lambda m: m.record.slug):
                    self._outputs(m, m.venue.advance(due))
            elif self.next_sample_ms <= to_ms:
                self.now_ms = self.next_sample_ms
                self._sample()
                self.next_sample_ms += SAMPLE_MS
            else:
                return

    def _sample(self) -> None:
        t = self.now_ms
        equity = self.settled_pnl_micro
        tied = 0
        for m in sorted(self.open.values(), key=lambda m: m.record.slug):
            mid = m.up_mid()
            tied += m.tied_micro()
            equity += m.book.cash_micro
            if mid is not None:
                equity += (m.book.shares["UP"] * mid + m.book.shares["DOWN"] * (MICRO - mid)) // MICRO
            if m.start_ms <= t < m.end_ms:
                live = m.live_outcomes()
                m.stats.seconds += 1
                m.stats.two_sided_s += len(live) == 2
                m.stats.any_side_s += bool(live)
                sample_rewards(m, self.params.rewards_pool_daily_micro)
        self.run.equity.append((t, equity))
        self.run.capital_used_micro = max(self.run.capital_used_micro, tied)
        for m in self._current():
            self._decide(m)

    def _forget(self, m: MarketSim) -> None:
        m.close()
        self.open.pop(m.meta.condition_id, None)

    def _close(self, m: MarketSim) -> None:
        m.tied_micro()
        self._forget(m)
        if m.settlement.winner is None:
            m.settlement = by_last_mid(m.mid_at(m.end_ms - 1), m.settlement.venue_winner)
        if m.settlement.winner is not None and m.end_ms <= self.recording.last_ms:
            winner = m.settlement.winner
            m.inventory_pnl_micro = m.book.shares[winner] - m.book.cost["UP"] - m.book.cost["DOWN"]
            m.book.settle(m.settlement.winner)
            m.rebate_micro = m.book.rebate_micro()
            m.reward_micro = int(m.stats.reward_share_s * self.params.rewards_pool_daily_micro * SAMPLE_MS
                                 // 86_400_000)  # fmt: skip
            self.settled_pnl_micro += m.book.cash_micro + m.rebate_micro + m.reward_micro
        else:
            m.unsettled = True

    # -- recorded entries ------------------------------------------------------------------------------

    def _apply(self, body: object) -> None:
        if isinstance(body, MarketRecord):
            self._record(body)
        elif isinstance(body, BookSnapshot | BookDelta | LastTrade):
            m = self.by_token.get(body.asset_id)
            if m is None or m.closed:
                return
            before = m.books()
            if isinstance(body, BookSnapshot) and body.asset_id == m.meta.up_token_id:
                self._outputs(m, m.set_book(self.now_ms, dict(body.bids), dict(body.asks)))
            elif isinstance(body, BookDelta) and body.asset_id == m.meta.up_token_id:
                for side, price, size in body.changes:
                    self._outputs(m, m.set_level(self.now_ms, side == "BUY", price, size))
            elif isinstance(body, LastTrade):
                self._print(m, body)
            # A TickSizeChange is not applied: the live quoter prices on the record's grid (discovery's
            # view of Gamma) and learns a new tick only from a new record; so does the replay.
            if m.books() != before and self.now_ms - m.last_decision_ms >= BOOK_REQUOTE_MIN_MS and m in self._current():
                self._decide(m)
        elif isinstance(body, RefTick):
            self._ref(body)
        elif isinstance(body, RewardHintMessage):
            self.hints[(body.market, body.outcome)] = body
        elif isinstance(body, Fill) and self.run.strategy == "recorded":
            self._recorded_fill(body)
        elif isinstance(body, RecordedOrder):
            m = self.by_token.get(body.asset_id)
            if m is not None and not m.closed:
                self._outputs(m, m.recorded_order(self.now_ms, body))

    def _record(self, record: MarketRecord) -> None:
        try:
            meta = market_from_record(record)
        except NotAnUpDownMarket:
            return
        known = self.markets.get(record.condition_id)
        if known is not None:  # a later record (the strike published, a new tick): priced and settled by it
            known.record, known.meta = record, meta
            if not known.closed:
                known.settlement = settle(record, self.history, self.venue_winner.get(record.condition_id))
            return
        if record.window_start_ms is None or record.window_end_ms is None:
            return
        outcome = settle(record, self.history, self.venue_winner.get(record.condition_id))
        m = MarketSim(record, meta, outcome, self.run.strategy, self.params)
        self.markets[record.condition_id] = self.open[record.condition_id] = m
        self.series_of_asset.setdefault(asset_of(record), set()).add(record.series or "")
        for token in record.token_ids:
            self.by_token[token] = m
        if self.now_ms >= m.end_ms:
            self._forget(m)
            m.unsettled = True

    def _print(self, m: MarketSim, trade: LastTrade) -> None:
        outcome = m.outcome_of(trade.asset_id)
        if outcome is None:
            return
        m.book.public_print(trade.price_micro, trade.size_micro)
        taker_buys_up = (trade.side == "BUY") == (outcome == "UP")
        up_price = trade.price_micro if outcome == "UP" else MICRO - trade.price_micro
        self._outputs(m, m.venue.on_trade(self.now_ms, taker_buys_up, up_price, trade.size_micro))
        alpha = self.alpha.get(m.record.series or "")
        if alpha is not None:
            alpha.on_taker_trade(trade.venue_ts_ms, taker_buys_up, trade.size_micro)

    def _ref(self, tick: RefTick) -> None:
        """Every series of the tick's asset learns it (the live alpha reads every tick, between windows
        too); the windows in progress decide on it."""
        if self.run.strategy not in QUOTERS:
            return
        series = sorted(self.series_of_asset.get(tick.asset, ()))
        used = [s for s in series if apply_ref_tick(self.alpha.setdefault(s, AlphaCore(self.params.alpha)), tick)]
        for m in self._current():
            if (m.record.series or "") in used:
                self._decide(m)

    # -- deciding and filling --------------------------------------------------------------------------

    def _current(self) -> list[MarketSim]:
        """Per series, the open window in progress that ends first (the one the live alpha prices)."""
        best: dict[str, MarketSim] = {}
        for m in self.open.values():
            if m.start_ms <= self.now_ms < m.end_ms:
                key = m.record.series or ""
                if key not in best or (m.end_ms, m.record.slug) < (best[key].end_ms, best[key].record.slug):
                    best[key] = m
        return [best[k] for k in sorted(best)]

    def _decide(self, m: MarketSim) -> None:
        if self.run.strategy == "recorded":
            return  # its orders are the recorded bot's
        t = self.now_ms
        signal = None
        if self.run.strategy in QUOTERS:
            alpha = self.alpha.setdefault(m.record.series or "", AlphaCore(self.params.alpha))
            signal = alpha.evaluate(t, window_from_record(m.record))
        other_cost = sum(x.book.cost["UP"] + x.book.cost["DOWN"] for x in self.open.values() if x is not m)
        realized = m.book.cash_micro + m.book.cost["UP"] + m.book.cost["DOWN"]  # merges and sales, less fees
        positions = Positions(up_micro=m.book.shares["UP"], down_micro=m.book.shares["DOWN"],
                              up_cost_micro=m.book.cost["UP"], down_cost_micro=m.book.cost["DOWN"],
                              other_windows_cost_micro=other_cost, daily_pnl_micro=self.settled_pnl_micro,
                              window_realized_micro=realized)  # fmt: skip
        hints = tuple(h for (market, _), msg in sorted(self.hints.items()) if market == m.meta.condition_id
                      if (h := hint_from_message(msg, t)) is not None)  # fmt: skip
        decision = self.strategy.decide(View(t, m.meta, m.books(), positions, signal, hints))
        m.apply(t, decision)
        m.last_decision_ms = t

    def _outputs(self, m: MarketSim, outputs: Sequence[object]) -> None:
        for out in outputs:
            if isinstance(out, VenueFill):
                self._fill(m, out)
            elif isinstance(out, OrderEvent):
                m.order_event(out)

    def _recorded_fill(self, fill: Fill) -> None:
        """The ``recorded`` strategy: the live bot's own fill, as the venue made it, scored alike."""
        m = self.by_token.get(fill.asset_id)
        outcome = None if m is None else m.outcome_of(fill.asset_id)
        if m is None or outcome is None or (fill.trade_id, fill.order_id) in self.recorded_seen:
            return
        self.recorded_seen.add((fill.trade_id, fill.order_id))
        maker = fill.role == "MAKER"
        self._fill(m, VenueFill(fill.order_id, self.now_ms, outcome, fill.side, fill.price_micro, fill.size_micro,
                                maker, "recorded"))  # fmt: skip

    def _fill(self, m: MarketSim, fill: VenueFill) -> None:
        fee = m.book.fill(fill.outcome, fill.side, fill.price_micro, fill.size_micro, fill.maker)
        m.tied_micro()
        if fill.cause == "cross":
            m.book.extra_maker_volume(fill.price_micro, fill.size_micro)
        m.stats.fills_by_cause[fill.cause] = m.stats.fills_by_cause.get(fill.cause, 0) + 1
        m.order_filled(fill)
        up_mid = m.up_mid()
        mid = None if up_mid is None else (up_mid if fill.outcome == "UP" else MICRO - up_mid)
        self.run.fills.append(FillRecord(m.record.slug, fill.at_ms, fill.outcome, fill.side, fill.price_micro,
                                         fill.size_micro, fill.maker, fill.cause, fee, mid))  # fmt: skip
        alpha = self.alpha.get(m.record.series or "")
        if alpha is not None:
            alpha.on_own_fill(fill.order_id + f":{len(self.run.fills)}", fill.at_ms, fill.outcome == "UP",
                              fill.price_micro)  # fmt: skip


def replay(recording: Recording, strategy: str, params: Params) -> Run:
    return Replay(recording, strategy, params).execute()
