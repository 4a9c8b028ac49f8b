"""One window's reconciliation of decisions into our orders (the executor's rules)."""

from __future__ import annotations

from backtest.market import MarketSim
from backtest.settle import Settlement
from backtest.strategies import Decision, Take, Want
from backtest.types import Params
from backtest.venue import OrderEvent, VenueFill
from tests.unit.backtest.synthetic import T0, market
from workers.quoter.core import QuoterConfig
from workers.quoter.core.adapt import market_from_record
from workers.quoter.core.churn import churn_tolerance

SHARE = 1_000_000
CHURN = churn_tolerance(QuoterConfig())


def window() -> MarketSim:
    record = market(0)
    m = MarketSim(record, market_from_record(record), Settlement("UP", "twap"), "quoter", Params(latency_ms=50))
    m.set_book(T0, {490_000: 100 * SHARE}, {510_000: 100 * SHARE})
    return m


def advance(m: MarketSim, to_ms: int) -> None:
    for out in m.venue.advance(to_ms):
        if isinstance(out, OrderEvent):
            m.order_event(out)
        elif isinstance(out, VenueFill):
            m.order_filled(out)


def test_a_taker_once_done_does_not_block_a_maker_order_at_its_price() -> None:
    m = window()
    m.apply(T0, Decision("intent-1", (), (Take("UP", 510_000, 5 * SHARE, True),), CHURN, "completion"))
    advance(m, T0 + 1_000)  # taken after the latency and the taker delay
    m.apply(T0 + 1_000, Decision("intent-2", (Want("DOWN", 0, 490_000, 5 * SHARE),), (), CHURN, "quoting"))

    assert [(o.outcome, o.price_micro, o.state) for o in m.orders.values()] == [("DOWN", 490_000, "pending")]


def test_a_takers_intent_sends_it_once_however_often_it_is_decided() -> None:
    m = window()
    taker = Decision("intent-1", (), (Take("UP", 510_000, 5 * SHARE, True),), CHURN, "completion")
    m.apply(T0, taker)
    m.apply(T0 + 10, taker)

    assert m.stats.takers == 1


def test_a_live_order_within_the_churn_tolerance_is_kept_and_one_beyond_it_replaced() -> None:
    m = window()
    m.apply(T0, Decision("a", (Want("UP", 0, 480_000, 10 * SHARE),), (), CHURN, "quoting"))
    advance(m, T0 + 100)
    m.apply(T0 + 200, Decision("b", (Want("UP", 0, 480_000, 9 * SHARE),), (), CHURN, "quoting"))  # 10% smaller
    assert (m.stats.placed, m.stats.replaced) == (1, 1)  # a live order larger than desired is replaced
    advance(m, T0 + 300)
    m.apply(T0 + 400, Decision("c", (Want("UP", 0, 480_000, 9 * SHARE),), (), CHURN, "quoting"))
    assert (m.stats.placed, m.stats.replaced) == (2, 1)


def test_a_print_on_the_down_token_fills_our_up_bid_through_the_unified_book() -> None:
    from backtest.engine import Replay
    from backtest.recording import Recording
    from common.schemas.book import LastTrade

    replay = Replay(Recording(), "touch", Params(latency_ms=50))
    replay._record(market(0))
    m = replay.markets["0xc0"]
    m.set_book(T0, {490_000: 100 * SHARE}, {520_000: 100 * SHARE})
    m.apply(T0, Decision("", (Want("UP", 0, 500_000, 10 * SHARE),), (), CHURN, "quoting"))
    advance(m, T0 + 100)
    replay.now_ms = T0 + 200
    # A taker buys Down at 0.49: a SELL of Up at 0.51 in the unified book... above our 0.50 bid: no fill.
    replay._print(m, LastTrade(market="0xc0", asset_id="down0", price_micro=490_000, size_micro=30 * SHARE,
                               side="BUY", venue_ts_ms=T0 + 200, recv_ts_ms=T0 + 200))  # fmt: skip
    assert replay.run.fills == []
    # A taker buys Down at 0.52 (sells Up at 0.48): through our 0.50 bid, which would have met it first.
    replay._print(m, LastTrade(market="0xc0", asset_id="down0", price_micro=520_000, size_micro=30 * SHARE,
                               side="BUY", venue_ts_ms=T0 + 300, recv_ts_ms=T0 + 300))  # fmt: skip

    assert [(f.outcome, f.price_micro, f.size_micro, f.cause) for f in replay.run.fills] == [
        ("UP", 500_000, 10 * SHARE, "trade_through")]  # fmt: skip
