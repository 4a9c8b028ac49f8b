"""The taker delay: an API order that would take liquidity is answered ``delayed``, cannot be
cancelled, and executes against the book as it is once the delay is over; resting orders can be
cancelled meanwhile (which is what the delay gives makers)."""

from __future__ import annotations

from sim.exchange import ExchangeConfig
from sim.exchange.trading import OrderRequest

from .helpers import UP, make_exchange, payloads

DELAY_MS = 250


def _taker(order_type: str, size: int = 5_000_000) -> OrderRequest:
    return OrderRequest(account_id="bob", owner="bob", maker_address="bob", token_id=UP, side="BUY",
                        price_micro=500_000, size_micro=size, order_type=order_type)  # fmt: skip


def test_a_taker_is_answered_delayed_cannot_be_cancelled_and_fills_after_the_delay() -> None:
    ex, clock, _ = make_exchange(config=ExchangeConfig(taker_delay_ms=DELAY_MS))
    ex.submit_internal("alice", UP, "SELL", 500_000, 5_000_000)

    answer = ex.submit(_taker("FOK"))
    cancel = ex.cancel_orders("bob", [str(answer["orderID"])])
    ex.advance()
    before = ex.order(str(answer["orderID"]))
    assert before is not None and before.status == "DELAYED" and ex.book(UP) != ([], [])
    clock.now_s += DELAY_MS / 1000
    ex.advance()

    assert answer["status"] == "delayed" and answer["tradeIDs"] == []
    assert cancel["canceled"] == [] and list(cancel["not_canceled"]) == [answer["orderID"]]  # type: ignore[call-overload]
    assert ex.book(UP) == ([], [])  # the delayed FOK took the whole ask
    assert [t.size_micro for t in ex.trades("bob")] == [5_000_000]


def test_a_maker_cancels_during_the_delay_and_the_delayed_fak_finds_nothing() -> None:
    ex, clock, events = make_exchange(config=ExchangeConfig(taker_delay_ms=DELAY_MS))
    maker = ex.submit_internal("alice", UP, "SELL", 500_000, 5_000_000)

    answer = ex.submit(_taker("FAK"))
    pulled = ex.cancel("alice", str(maker["orderID"]))
    clock.now_s += DELAY_MS / 1000
    ex.advance()

    assert pulled and answer["status"] == "delayed"
    assert ex.trades("bob") == []
    killed = [p for p in payloads(events, "order", "bob") if p["type"] == "CANCELLATION"]
    assert [p["id"] for p in killed] == [answer["orderID"]]


def test_an_order_that_does_not_cross_rests_at_once() -> None:
    ex, _, _ = make_exchange(config=ExchangeConfig(taker_delay_ms=DELAY_MS))

    answer = ex.submit(_taker("GTC"))

    assert answer["status"] == "live" and len(ex.open_orders("bob")) == 1
