from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from py_clob_client_v2.order_builder.builder import ROUNDING_CONFIG as SDK_ROUNDING
from py_clob_client_v2.order_builder.builder import OrderBuilder

from common.ticks import SUPPORTED_TICKS, TickError, TickGrid, market_order_amounts, order_amounts

ticks = st.sampled_from(sorted(SUPPORTED_TICKS))


@pytest.mark.parametrize(
    ("side", "size", "price", "tick", "maker", "taker"),
    [
        ("BUY", "10", "0.52", "0.01", 5_200_000, 10_000_000),
        ("SELL", "10", "0.52", "0.01", 10_000_000, 5_200_000),
        ("BUY", "7.777", "0.53", "0.01", 4_118_100, 7_770_000),
        ("SELL", "12.345", "0.07", "0.01", 12_340_000, 863_800),
        ("BUY", "5", "0.995", "0.001", 4_975_000, 5_000_000),
    ],
)
def test_limit_order_amounts_reproduce_the_reference_worked_examples(side, size, price, tick, maker, taker):
    assert order_amounts(side, Decimal(price), Decimal(size), tick) == (maker, taker)


@given(ticks, st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=5000), st.booleans())
def test_limit_order_amounts_match_the_official_client_for_whole_share_sizes(tick, n, shares, buy):
    grid = TickGrid.of(tick)
    price_micro = grid.min_price_micro + (n * grid.tick_micro) % (grid.max_price_micro - grid.min_price_micro)
    price = Decimal(price_micro) / 1_000_000
    side = "BUY" if buy else "SELL"
    sdk = OrderBuilder.get_order_amounts(None, side, float(shares), float(price), SDK_ROUNDING[str(tick)])
    assert order_amounts(side, price, Decimal(shares), tick) == (sdk[1], sdk[2])


@given(ticks, st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=10**9))
def test_buy_amounts_imply_exactly_the_grid_price(tick, n, size_micro):
    grid = TickGrid.of(tick)
    price_micro = grid.bid(n)
    if price_micro is None or size_micro < 10_000:
        return
    maker, taker = order_amounts("BUY", Decimal(price_micro) / 10**6, Decimal(size_micro) / 10**6, tick)
    assert maker * 10**6 == taker * price_micro
    assert taker <= size_micro


def test_market_buy_spends_the_rounded_amount_at_the_worst_price():
    assert market_order_amounts("BUY", Decimal("10.009"), Decimal("0.5"), "0.01") == (10_000_000, 20_000_000)
    maker, taker = market_order_amounts("BUY", Decimal("10"), Decimal("0.3"), "0.01")
    assert (maker, taker) == (10_000_000, 33_333_300)


@given(ticks, st.integers(min_value=-(10**6), max_value=2 * 10**6))
def test_bids_round_down_and_asks_round_up_onto_the_grid_strictly_inside_zero_and_one(tick, price_micro):
    grid = TickGrid.of(tick)
    bid, ask = grid.bid(price_micro), grid.ask(price_micro)
    if bid is not None:
        assert grid.on_grid(bid) and 0 < bid < 10**6
        assert bid <= max(price_micro, grid.min_price_micro)
    if ask is not None:
        assert grid.on_grid(ask) and 0 < ask < 10**6
        assert ask >= min(price_micro, grid.max_price_micro)


def test_prices_outside_tick_and_one_minus_tick_are_off_the_grid():
    grid = TickGrid.of("0.01")
    assert not grid.on_grid(0) and not grid.on_grid(1_000_000) and not grid.on_grid(995_000)
    assert grid.on_grid(10_000) and grid.on_grid(990_000)
    assert grid.bid(5_000) is None


def test_an_unknown_tick_size_is_refused():
    with pytest.raises(TickError):
        TickGrid.of("0.02")
