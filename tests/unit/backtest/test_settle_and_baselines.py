"""Settlement by each window's rule, and the baselines' quotes, on hand-made inputs."""

from __future__ import annotations

from backtest.settle import RefHistory, by_last_mid, settle
from backtest.strategies import BandsStrategy, BaselineConfig, TouchStrategy, View
from common.schemas.market import Settlement as RuleOfMarket
from common.schemas.ref import RefTick
from tests.unit.backtest.synthetic import T0, WINDOW_MS, market
from workers.quoter.core import Books, BookTop, Positions
from workers.quoter.core.adapt import market_from_record

E18 = 10**18


def tick(source: str, ts_ms: int, price: int) -> RefTick:
    return RefTick(source=source, asset="btc", symbol="btcusd", value_e18=price * E18, venue_ts_ms=ts_ms,
                   recv_ts_ms=ts_ms)  # type: ignore[arg-type]  # fmt: skip


def test_a_twap_window_is_up_when_the_twap_at_its_end_is_at_least_the_one_at_its_start() -> None:
    ticks = [tick("chainlink_twap60", T0 + s * 1000, 100) for s in range(-2, 63)]
    tied = settle(market(0), RefHistory(ticks), None)
    falling = [tick("chainlink_twap60", T0 + s * 1000, 100 - (s > 30)) for s in range(-2, 63)]

    assert (tied.winner, tied.how) == ("UP", "twap")  # a tie goes Up
    assert settle(market(0), RefHistory(falling), "UP").winner == "DOWN"


def test_the_last_recorded_value_is_not_taken_for_the_end_without_a_later_one() -> None:
    ticks = [tick("chainlink_twap60", T0 + s * 1000, 100) for s in range(-2, 59)]  # ends before the window

    assert settle(market(0), RefHistory(ticks), "DOWN") == settle(market(0), RefHistory([]), "DOWN")
    assert settle(market(0), RefHistory(ticks), "DOWN").how == "venue"


def test_a_spot_window_compares_the_oracle_at_its_end_with_the_strike() -> None:
    record = market(0).model_copy(
        update={"settlement": RuleOfMarket(kind="spot"), "strike_e18": 101 * E18})  # fmt: skip
    ticks = [tick("pyth", T0 + s * 1000, 100 if s <= 60 else 102) for s in range(-2, 63)]  # 100 at the end
    result = settle(record, RefHistory(ticks), None)

    assert (result.winner, result.how) == ("DOWN", "spot")


def test_without_prices_or_a_recorded_winner_only_a_decided_last_mid_settles() -> None:
    assert by_last_mid(950_000, None).winner == "UP"
    assert by_last_mid(100_000, None).winner == "DOWN"
    assert by_last_mid(600_000, None).how == "unsettled"


def view(up_bid: int, up_ask: int, positions: Positions | None = None) -> View:
    positions = positions or Positions()
    books = Books(up=BookTop(up_bid, up_ask), down=BookTop(1_000_000 - up_ask, 1_000_000 - up_bid))
    return View(T0 + WINDOW_MS // 2, market_from_record(market(0)), books, positions, None)


def test_touch_joins_both_best_bids_lowering_the_dearer_until_the_pair_fits_the_cap() -> None:
    decision = TouchStrategy(BaselineConfig(max_total_micro=980_000)).decide(view(600_000, 610_000))

    # Up 0.60 + Down 0.39 = 0.99 > 0.98: Up (the dearer) steps down to 0.59.
    assert [(w.outcome, w.price_micro) for w in decision.orders] == [("DOWN", 390_000), ("UP", 590_000)]


def test_bands_ladders_both_outcomes_below_the_mid_and_stops_the_long_side() -> None:
    config = BaselineConfig(half_width_micro=20_000, levels=2, step_micro=10_000, max_unpaired_micro=50_000_000)
    both = BandsStrategy(config).decide(view(490_000, 510_000))
    long_up = BandsStrategy(config).decide(view(490_000, 510_000, Positions(up_micro=60_000_000)))

    assert [(w.outcome, w.level, w.price_micro) for w in both.orders] == [
        ("UP", 0, 480_000), ("UP", 1, 470_000), ("DOWN", 0, 480_000), ("DOWN", 1, 470_000)]  # fmt: skip
    assert {w.outcome for w in long_up.orders} == {"DOWN"}


def test_a_value_from_before_a_gap_in_the_recording_does_not_settle_a_window() -> None:
    ticks = [tick("chainlink_twap60", T0 + s * 1000, 100) for s in range(-2, 63) if s != 60]  # no report at the end

    assert settle(market(0), RefHistory(ticks), "DOWN").how == "venue"
