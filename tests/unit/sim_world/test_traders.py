"""Background traders against the real exchange: a two-sided book, trades from every kind of taker,
the same trades for the same seed, and resolution reaching the exchange."""

from __future__ import annotations

from dataclasses import replace

from sim.server import ServerConfig, SimServer
from sim.world.clock import SimClock
from sim.world.config import ResolutionRule, SeriesConfig, WorldConfig
from sim.world.fair import effective_seconds, q_up
from sim.world.ticks import tick_for
from sim.world.trader_config import NoiseConfig, TraderConfig, TwapConfig

START_MS = 1_790_000_130_000
STEP_MS = 100


def _server(seed: int, window_s: int = 60, start_ms: int = START_MS,
            twap_per_hour: float = TwapConfig().parents_per_hour) -> tuple[SimServer, SimClock]:  # fmt: skip
    clock = SimClock(start_ms)
    traders = TraderConfig(noise=replace(NoiseConfig(), orders_per_min=30.0),
                           twap=replace(TwapConfig(), parents_per_hour=twap_per_hour))  # fmt: skip
    cfg = ServerConfig(world=WorldConfig(seed=seed, series=(SeriesConfig("btc", window_s),)), traders=traders)
    return SimServer(cfg, clock), clock


def _run(server: SimServer, clock: SimClock, seconds: int) -> None:
    for _ in range(seconds * 1000 // STEP_MS):
        clock.advance_ms(STEP_MS)
        server.step()


def _trades(server: SimServer) -> list[tuple]:
    return [
        (
            t.trade_id,
            t.taker_account_id,
            t.asset_id,
            t.side,
            t.price_micro,
            t.size_micro,
            tuple((m.account_id, m.price_micro, m.matched_micro) for m in t.makers),
        )
        for t in server.exchange.trades()
    ]


def test_makers_keep_a_tight_two_sided_book_on_both_outcomes():
    start_ms = (START_MS // 900_000 + 1) * 900_000 + 5_000  # a 15-minute window that has just begun
    server, clock = _server(seed=1, window_s=900, start_ms=start_ms)

    _run(server, clock, 20)

    window = server.world.open_windows()[0]
    tops = []
    for token in window.ids.token_ids:
        bids, asks = server.exchange.book(token)
        assert bids and asks
        assert asks[0][0] - bids[0][0] <= 20_000  # competing makers at the touch: one or two ticks
        tops.append(bids[0][0])
    assert sum(tops) >= 980_000  # best Up and Down bids sum to 0.98-0.99, as on the venue


def test_takers_of_every_kind_trade_against_the_makers():
    server, clock = _server(seed=2, twap_per_hour=60.0)  # a parent order every minute or so

    _run(server, clock, 300)

    trades = server.exchange.trades()
    takers = {t.taker_account_id for t in trades}
    makers = {m.account_id for t in trades for m in t.makers}
    assert len(trades) >= 10
    assert {"sim-noise-1", "sim-twap-1"} <= takers
    # the informed taker waits out the taker delay, and the makers mostly cancel within it: it
    # tries often and fills seldom (``test_informed_taker_duel`` has it against one maker)
    assert server.traders.informed.orders_sent > 0
    assert any(name.startswith("sim-maker-") for name in makers)


def test_the_same_seed_gives_the_same_trades_and_another_seed_other_trades():
    first, c1 = _server(seed=5)
    again, c2 = _server(seed=5)
    other, c3 = _server(seed=6)

    for server, clock in ((first, c1), (again, c2), (other, c3)):
        _run(server, clock, 60)

    assert len(_trades(first)) >= 5
    assert _trades(first) == _trades(again)
    assert _trades(first) != _trades(other)


def test_a_window_resolves_on_the_exchange_with_the_worlds_winner():
    server, clock = _server(seed=3, window_s=60)
    first = min(server.world.windows(), key=lambda w: w.start_s)

    _run(server, clock, 60 + 30)

    state = server.exchange.market(first.ids.condition_id)
    assert first.resolved
    assert state.winner_index == first.winner
    assert not state.accepting


def test_fair_value_is_a_coin_flip_at_the_strike_and_certain_at_the_end():
    assert q_up(100.0, 100.0, 600, 0.5, ResolutionRule.TWAP) == 0.5
    assert q_up(101.0, 100.0, 0, 0.5, ResolutionRule.TWAP) == 0.99
    assert q_up(99.0, 100.0, 0, 0.5, ResolutionRule.SPOT) == 0.01
    assert effective_seconds(120, ResolutionRule.TWAP) == 80
    assert effective_seconds(30, ResolutionRule.TWAP) < effective_seconds(30, ResolutionRule.SPOT)


def test_the_tick_narrows_once_the_midpoint_leaves_the_middle_and_stays_narrow():
    assert tick_for(450_000, 550_000, 10_000) == 10_000
    assert tick_for(10_000, 90_000, 10_000) == 10_000  # midpoint 0.05: still the normal tick
    assert tick_for(10_000, 60_000, 10_000) == 1_000  # midpoint 0.035
    assert tick_for(970_000, None, 10_000) == 1_000
    assert tick_for(None, None, 10_000) == 10_000
    assert tick_for(450_000, 550_000, 1_000) == 1_000
