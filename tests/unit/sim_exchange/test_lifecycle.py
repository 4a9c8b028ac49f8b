"""Time-driven work: trade settlement states, GTD expiry, the heartbeat dead-man; determinism."""

from __future__ import annotations

import pytest

from sim.exchange import ExchangeConfig
from sim.exchange.trading import OrderRejected, OrderRequest

from .helpers import DOWN, UP, make_exchange, payloads


def _gtd(account: str, expiration_s: int) -> OrderRequest:
    return OrderRequest(
        account_id=account,
        owner=account,
        maker_address=account,
        token_id=UP,
        side="BUY",
        price_micro=400_000,
        size_micro=5_000_000,
        order_type="GTD",
        expiration_s=expiration_s,
    )


def test_trades_go_matched_then_mined_then_confirmed_after_the_configured_delays() -> None:
    ex, clock, events = make_exchange(config=ExchangeConfig(mined_delay_ms=1_000, confirmed_delay_ms=3_000))
    ex.submit_internal("alice", UP, "SELL", 500_000, 5_000_000)
    ex.submit_internal("bob", UP, "BUY", 500_000, 5_000_000)

    seen = []
    for step_s in (0.5, 0.6, 2.0):
        clock.now_s += step_s
        ex.advance()
        seen.append(ex.trades()[0].status)

    assert seen == ["MATCHED", "MINED", "CONFIRMED"]
    statuses = [p["status"] for p in payloads(events, "trade", "alice")]
    assert statuses == ["MATCHED", "MINED", "CONFIRMED"]
    assert payloads(events, "trade", "alice")[0]["trader_side"] == "MAKER"


def test_a_failed_trade_reverses_every_balance_change() -> None:
    ex, clock, _ = make_exchange(config=ExchangeConfig(trade_fail_probability=1.0))
    ex.submit_internal("alice", DOWN, "BUY", 450_000, 10_000_000)
    ex.submit_internal("bob", UP, "BUY", 560_000, 10_000_000)

    clock.now_s += 10
    ex.advance()

    assert ex.trades()[0].status == "FAILED"
    for name in ("alice", "bob"):
        account = ex.accounts.get(name)
        assert account.cash_micro == 1_000_000_000
        assert account.positions_micro[UP] == account.positions_micro[DOWN] == 100_000_000


def test_a_gtd_order_lapses_a_security_threshold_before_its_expiration() -> None:
    ex, clock, events = make_exchange()
    expiration = int(clock.now_s) + 300
    order_id = ex.submit(_gtd("bob", expiration))["orderID"]

    clock.now_s = expiration - 61
    ex.advance()
    still_open = ex.order(order_id).status
    clock.now_s = expiration - 60
    ex.advance()

    assert still_open == "LIVE"
    assert ex.order(order_id).status == "CANCELED"
    assert payloads(events, "order", "bob")[-1]["type"] == "CANCELLATION"
    assert ex.accounts.get("bob").reserved_cash_micro == 0


def test_a_gtd_expiration_closer_than_the_minimum_buffer_is_rejected() -> None:
    ex, clock, _ = make_exchange()
    with pytest.raises(OrderRejected, match="invalid expiration"):
        ex.submit(_gtd("bob", int(clock.now_s) + 179))


def test_the_dead_man_cancels_every_order_of_the_key_ten_seconds_after_the_last_heartbeat() -> None:
    ex, clock, _ = make_exchange()
    first = ex.heartbeat("bob", "")[1]
    ids = [ex.submit_internal("bob", UP, "BUY", p, 5_000_000)["orderID"] for p in (400_000, 410_000)]
    other = ex.submit_internal("alice", UP, "BUY", 420_000, 5_000_000)["orderID"]
    clock.now_s += 6
    assert ex.heartbeat("bob", first)[0]

    clock.now_s += 10
    ex.advance()
    alive = [ex.order(i).status for i in ids]
    clock.now_s += 0.001
    ex.advance()

    assert alive == ["LIVE", "LIVE"]
    assert [ex.order(i).status for i in ids] == ["CANCELED", "CANCELED"]
    assert ex.order(other).status == "LIVE"  # alice never armed a heartbeat
    assert not ex.heartbeats.armed("bob")


def test_a_stale_heartbeat_id_is_refused_with_the_expected_id() -> None:
    ex, _, _ = make_exchange()
    first = ex.heartbeat("bob", "")[1]
    second = ex.heartbeat("bob", first)[1]

    assert ex.heartbeat("bob", first) == (False, second)
    assert ex.heartbeat("bob", "") == (False, second)


def test_the_same_seed_and_calls_give_the_same_trades() -> None:
    def run(seed: int) -> list[tuple[str, str, int]]:
        ex, _, _ = make_exchange(seed=seed)
        roles = [("bob", UP, "BUY"), ("alice", UP, "SELL"), ("carol", DOWN, "BUY")]
        for i in range(30):
            account, token, side = roles[i % 3]
            ex.submit_internal(account, token, side, 400_000 + (i * 37 % 11) * 20_000, 5_000_000)
        return [(t.trade_id, t.transaction_hash, t.size_micro) for t in ex.trades()]

    assert run(11) == run(11)
    assert run(11) != run(12)
    assert len(run(11)) > 3


def test_a_trade_beyond_the_extremes_moves_the_market_to_the_fine_tick_when_enabled() -> None:
    ex, _, events = make_exchange(config=ExchangeConfig(auto_extreme_tick=True))
    ex.submit_internal("alice", UP, "SELL", 970_000, 5_000_000)
    ex.submit_internal("bob", UP, "BUY", 970_000, 5_000_000)

    accepted = ex.submit_internal("bob", UP, "BUY", 965_000, 5_000_000)

    change = payloads(events, "tick_size_change")
    assert [(c["asset_id"], c["old_tick_size"], c["new_tick_size"]) for c in change] == [
        (UP, "0.01", "0.001"),
        (DOWN, "0.01", "0.001"),
    ]
    assert accepted["success"] is True
