from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from common.fees import fee_per_share
from common.ticks import TickGrid
from tests.unit.quoter.builders import quoter_inputs
from workers.quoter.core import Positions, QuoterConfig, QuoterCore, TradingMode

CORE = QuoterCore()
#: Without the window loss limit: one more share of the outcome that pairs the other's excess lowers
#: the window's worst case, so the limit's room (and with it a complete set's other leg, which the
#: limit counts alone: the two FAKs may fill apart) may grow by it. The limit has its own properties
#: (``test_window_loss_limit.py``); the skew's is that inventory never tightens that side's bids.
NO_LOSS_LIMIT = QuoterCore(QuoterConfig(window_loss_limit_usd=0))
#: The modes in which the quoter makes a market (FLATTENING only closes: its own properties below).
QUOTING_MODES = [m for m in TradingMode if m is not TradingMode.FLATTENING]


def best(intent, outcome):
    prices = [o.price_micro for o in intent.orders if o.outcome == outcome]
    return max(prices) if prices else None


def bought(intent, outcome):
    return sum(o.size_micro for o in (*intent.orders, *intent.takers) if o.outcome == outcome)


@settings(max_examples=200)
@given(quoter_inputs())
def test_level_zero_bids_of_up_and_down_together_never_exceed_the_target_total(inputs):
    intent = CORE.decide(inputs)
    up, down = best(intent, "UP"), best(intent, "DOWN")
    if up is not None and down is not None:
        assert up + down <= inputs.signal.target_total_micro


@settings(max_examples=200)
@given(quoter_inputs())
def test_every_price_is_on_the_market_grid_strictly_inside_zero_and_one(inputs):
    grid = TickGrid(inputs.market.tick_micro)
    for order in CORE.decide(inputs).orders:
        assert grid.on_grid(order.price_micro)
        assert 0 < order.price_micro < 1_000_000


@settings(max_examples=200)
@given(quoter_inputs())
def test_no_post_only_bid_crosses_the_unified_book(inputs):
    for order in CORE.decide(inputs).orders:
        own = inputs.books.up if order.outcome == "UP" else inputs.books.down
        other = inputs.books.down if order.outcome == "UP" else inputs.books.up
        assert order.post_only
        assert own.ask_micro is None or order.price_micro < own.ask_micro
        assert other.bid_micro is None or order.price_micro < 1_000_000 - other.bid_micro


@settings(max_examples=200)
@given(quoter_inputs(mode=st.sampled_from(QUOTING_MODES)))
def test_every_size_is_at_least_the_minimum_and_a_whole_cent_of_shares(inputs):
    intent = CORE.decide(inputs)
    for order in (*intent.orders, *intent.takers):
        assert order.size_micro >= inputs.market.min_size_micro
        assert order.size_micro % 10_000 == 0


@settings(max_examples=200)
@given(
    quoter_inputs(mode=st.sampled_from(QUOTING_MODES)),
    st.integers(1, 200),
    st.sampled_from(["UP", "DOWN"]),
)
def test_more_inventory_on_one_side_never_tightens_that_sides_bids(inputs, extra, side):
    p = inputs.positions
    more = (
        replace(p, up_micro=p.up_micro + extra * 1_000_000, up_cost_micro=p.up_cost_micro + extra * 500_000)
        if side == "UP"
        else replace(
            p,
            down_micro=p.down_micro + extra * 1_000_000,
            down_cost_micro=p.down_cost_micro + extra * 500_000,
        )
    )
    before, after = NO_LOSS_LIMIT.decide(inputs), NO_LOSS_LIMIT.decide(replace(inputs, positions=more))
    if best(after, side) is not None:
        assert best(before, side) is not None and best(after, side) <= best(before, side)
    assert bought(after, side) <= bought(before, side)


@settings(max_examples=200)
@given(quoter_inputs(mode=st.sampled_from(QUOTING_MODES)))
def test_the_same_inputs_always_give_the_same_intent(inputs):
    assert CORE.decide(inputs) == QuoterCore().decide(inputs)


@settings(max_examples=200)
@given(quoter_inputs(mode=st.sampled_from(QUOTING_MODES)))
def test_stale_oracle_gives_no_quotes(inputs):
    stale = replace(inputs, signal=inputs.signal.model_copy(update={"regime": "STALE_ORACLE", "size_factor_ppm": 0}))
    intent = CORE.decide(stale)
    assert intent.orders == ()
    assert all(t.kind == "completion" for t in intent.takers)


@settings(max_examples=200)
@given(quoter_inputs(mode=st.sampled_from(QUOTING_MODES)))
def test_a_completion_is_emitted_only_when_the_locked_profit_clears_the_threshold_after_fees(inputs):
    for taker in CORE.decide(inputs).takers:
        if taker.kind != "completion":
            continue
        held = "DOWN" if taker.outcome == "UP" else "UP"
        cost = inputs.positions.up_cost_micro if held == "UP" else inputs.positions.down_cost_micro
        shares = inputs.positions.up_micro if held == "UP" else inputs.positions.down_micro
        price = Decimal(taker.price_cap_micro) / 1_000_000
        profit = 1 - Decimal(cost) / shares - price - fee_per_share(price, inputs.market.fee)
        assert profit * 1_000_000 >= CORE.config.completion_min_profit_micro
        assert taker.size_micro <= abs(inputs.positions.excess_up_micro)


@settings(max_examples=200)
@given(quoter_inputs(mode=st.just(TradingMode.REDUCE_ONLY)))
def test_reduce_only_wants_only_orders_that_shrink_the_unpaired_position(inputs):
    intent = CORE.decide(inputs)
    excess = inputs.positions.excess_up_micro
    up, down = bought(intent, "UP"), bought(intent, "DOWN")
    # Even if every order fills, the unpaired amount shrinks and never flips side.
    assert abs(excess + up - down) <= abs(excess)
    assert (up == 0 or excess < 0) and (down == 0 or excess > 0)
    assert not any(t.kind == "complete_set" for t in intent.takers)


@given(quoter_inputs())
def test_a_halted_quoter_wants_nothing(inputs):
    intent = CORE.decide(replace(inputs, mode=TradingMode.HALTED))
    assert intent.orders == () and intent.takers == () and intent.reason == "halted"


@given(quoter_inputs())
def test_the_daily_loss_limit_halts_all_orders(inputs):
    lost = replace(inputs, positions=replace(inputs.positions, daily_pnl_micro=-CORE.config.daily_loss_limit_micro))
    intent = CORE.decide(lost)
    assert intent.orders == () and intent.takers == () and intent.reason == "daily_loss_limit"


@settings(max_examples=200)
@given(quoter_inputs(mode=st.sampled_from(QUOTING_MODES)), st.integers(-3_000, 3_000))
def test_quotes_expire_with_their_signal_and_an_empty_intent_is_never_born_stale(inputs, signal_age_ms):
    aged = replace(inputs, now_ms=inputs.now_ms + signal_age_ms)
    intent = CORE.decide(aged)
    assert intent.valid_until_ms > aged.now_ms
    if intent.orders:
        assert intent.valid_until_ms <= min(inputs.signal.valid_until_ms, inputs.market.window_end_ms)
    if aged.now_ms >= inputs.signal.valid_until_ms:
        assert intent.orders == ()
        assert intent.reason == ("halted" if aged.mode is TradingMode.HALTED else "signal_expired")


def test_positions_default_to_flat():
    assert Positions().excess_up_micro == 0


@settings(max_examples=200)
@given(quoter_inputs(mode=st.sampled_from(QUOTING_MODES)))
def test_reward_hints_and_takers_together_never_breach_the_position_or_exposure_limits(inputs):
    intent, c, p = CORE.decide(inputs), CORE.config, inputs.positions
    orders = (*intent.orders, *intent.takers)
    for outcome, held in (("UP", p.up_micro), ("DOWN", p.down_micro)):
        wanted = sum(o.size_micro for o in orders if o.outcome == outcome)
        assert wanted == 0 or held + wanted <= c.max_window_position_micro
    price = {id(o): getattr(o, "price_micro", None) or o.price_cap_micro for o in orders}
    cost = sum(-(-o.size_micro * price[id(o)] // 1_000_000) for o in orders)
    held_cost = p.up_cost_micro + p.down_cost_micro + p.other_windows_cost_micro
    assert cost == 0 or held_cost + cost <= c.max_total_exposure_micro


@settings(max_examples=200)
@given(quoter_inputs())
def test_level_zero_is_either_its_ordinary_size_or_a_hinted_reward_minimum(inputs):
    intent = CORE.decide(inputs)
    hinted = {h.outcome.value: h.min_size_micro for h in reversed(inputs.hints)}  # the first hint counts
    if inputs.market.rewards_enabled:
        hinted.setdefault("UP", inputs.market.reward_min_size_micro)
        hinted.setdefault("DOWN", inputs.market.reward_min_size_micro)
    for order in intent.orders:
        if order.level == 0 and order.size_micro > CORE.config.base_size_micro:
            assert order.size_micro == hinted.get(order.outcome) - hinted.get(order.outcome) % 10_000


@settings(max_examples=300)
@given(quoter_inputs(mode=st.just(TradingMode.FLATTENING)), st.sampled_from(["", "ledger_down"]))
def test_flattening_wants_only_orders_that_close_the_unpaired_holding(inputs, stale):
    inputs = replace(inputs, positions_stale=stale)
    intent = CORE.decide(inputs)
    excess = inputs.positions.excess_up_micro
    held, missing = ("UP", "DOWN") if excess > 0 else ("DOWN", "UP")
    assert intent.mode == "REDUCE_ONLY"
    assert not (intent.orders and intent.takers)  # one way to close at a time
    for order in intent.orders:  # resting sells of the unpaired outcome, never more than it
        assert order.side == "SELL" and order.outcome == held and order.post_only
        assert inputs.market.min_size_micro <= order.size_micro <= abs(excess)
        own = inputs.books.up if held == "UP" else inputs.books.down
        assert own.bid_micro is None or order.price_micro > own.bid_micro  # never crosses
    for taker in intent.takers:  # or buys that pair it, within the unpaired amount
        assert taker.kind == "completion" and taker.side == "BUY" and taker.outcome == missing
        assert 0 < taker.size_micro <= abs(excess) and not stale
    if excess == 0 or inputs.now_ms >= inputs.market.window_end_ms:
        assert intent.orders == () and intent.takers == ()


@settings(max_examples=200)
@given(
    quoter_inputs(mode=st.sampled_from(QUOTING_MODES)),
    st.sampled_from(["ledger_down", "positions_lagging_fills", "positions_unknown"]),
)
def test_positions_nobody_vouches_for_buy_nothing_and_say_why(inputs, why):
    intent = CORE.decide(replace(inputs, positions_stale=why))
    assert intent.orders == () and intent.takers == ()
    assert intent.mode in ("REDUCE_ONLY", "HALTED")
    blocked = "halted" if inputs.mode is TradingMode.HALTED else None
    assert intent.reason in (blocked, "daily_loss_limit", "window_ended", why)
