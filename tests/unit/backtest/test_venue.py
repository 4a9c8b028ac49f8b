"""The fill model of the simulated venue, on hand-computed examples (prices in the Up frame)."""

from __future__ import annotations

from backtest.venue import OrderEvent, OrderRequest, QueueModel, SimVenue, VenueFill

SHARE = 1_000_000
LATENCY_MS = 50


def venue(queue: QueueModel = QueueModel.BOOK, cross_fills: bool = False) -> SimVenue:
    v = SimVenue(LATENCY_MS, queue, cross_fills=cross_fills)
    v.on_book(0, bids={500_000: 100 * SHARE, 490_000: 50 * SHARE}, asks={520_000: 80 * SHARE})
    return v


def buy(order_id: str, outcome: str, price: int, size: int = 10 * SHARE) -> OrderRequest:
    return OrderRequest(order_id, outcome, "BUY", price, size)  # type: ignore[arg-type]


def fills(out: list[VenueFill | OrderEvent]) -> list[tuple[str, str, int, int, str]]:
    return [(f.order_id, f.outcome, f.price_micro, f.size_micro, f.cause) for f in out if isinstance(f, VenueFill)]


def live(v: SimVenue, request: OrderRequest, at_ms: int = 0) -> list[VenueFill | OrderEvent]:
    v.place(at_ms, request)
    return v.advance(at_ms + LATENCY_MS)


def test_an_order_goes_live_only_after_the_latency() -> None:
    v = venue()
    v.place(1_000, buy("a", "UP", 500_000))
    assert v.advance(1_049) == []
    assert v.advance(1_050) == [OrderEvent("a", 1_050, "live")]


def test_joining_a_level_puts_us_behind_its_displayed_size() -> None:
    v = venue()
    live(v, buy("a", "UP", 500_000))
    assert v.resting["a"].ahead_micro == 100 * SHARE
    assert fills(v.on_trade(100, taker_buys=False, price_micro=500_000, size_micro=60 * SHARE)) == []
    assert v.resting["a"].ahead_micro == 40 * SHARE
    # 50 more: 40 eat the rest of the queue ahead, the last 10 fill us.
    assert fills(v.on_trade(200, False, 500_000, 50 * SHARE)) == [("a", "UP", 500_000, 10 * SHARE, "trade")]
    assert "a" not in v.resting


def test_a_level_shrinking_after_a_print_is_not_counted_twice() -> None:
    v = venue()
    live(v, buy("a", "UP", 500_000))
    v.on_trade(100, False, 500_000, 30 * SHARE)
    v.on_level(101, True, 500_000, 70 * SHARE)  # the print's own effect on the book
    assert v.resting["a"].ahead_micro == 70 * SHARE


def test_cancels_at_our_level_shrink_the_queue_ahead_pro_rata() -> None:
    v = venue()
    live(v, buy("a", "UP", 500_000))
    v.on_level(100, True, 500_000, 200 * SHARE)  # 100 join behind us
    v.on_level(200, True, 500_000, 100 * SHARE)  # 100 cancelled, half of them ahead of us
    assert v.resting["a"].ahead_micro == 50 * SHARE
    v.on_level(300, True, 500_000, 20 * SHARE)  # 80 of 100 cancelled: 80% of the 50 ahead go too
    assert v.resting["a"].ahead_micro == 10 * SHARE


def test_improving_the_price_puts_us_first_and_a_print_through_it_fills_us() -> None:
    v = venue()
    live(v, buy("a", "UP", 510_000))
    assert v.resting["a"].ahead_micro == 0
    # A taker sold 30 at 0.50: our bid at 0.51 would have met it first.
    assert fills(v.on_trade(100, False, 500_000, 30 * SHARE)) == [("a", "UP", 510_000, 10 * SHARE, "trade_through")]


def test_a_buy_down_is_filled_by_a_buy_up_through_the_other_outcome() -> None:
    v = venue()
    live(v, buy("d", "DOWN", 470_000))  # an ask at 0.53 in the Up frame, behind the displayed 0.52
    assert v.resting["d"].frame == (False, 530_000)
    # A taker buys Up at 0.54, through our 0.53 ask: that is our BUY Down at 0.47.
    assert fills(v.on_trade(100, True, 540_000, 25 * SHARE)) == [("d", "DOWN", 470_000, 10 * SHARE, "trade_through")]


def test_an_opposite_order_displayed_through_our_price_stays_apart_by_default() -> None:
    v = venue()
    live(v, buy("a", "UP", 510_000, 20 * SHARE))
    # A post-only BUY Down at 0.49 (an Up ask at 0.51) would have been refused, not matched with us.
    assert fills(v.on_level(100, False, 510_000, 5 * SHARE)) == []


def test_with_cross_fills_an_opposite_order_displayed_through_our_price_fills_us_once() -> None:
    v = venue(cross_fills=True)
    live(v, buy("a", "UP", 510_000, 20 * SHARE))
    # A BUY Down at 0.49 (an Up ask at 0.51) appears for 5 shares: it would have matched our bid.
    assert fills(v.on_level(100, False, 510_000, 5 * SHARE)) == [("a", "UP", 510_000, 5 * SHARE, "cross")]
    # The same displayed shares are not counted again when another level changes.
    assert fills(v.on_level(200, True, 490_000, 60 * SHARE)) == []
    assert v.resting["a"].remaining_micro == 15 * SHARE


def test_a_post_only_order_that_would_cross_when_it_arrives_is_rejected() -> None:
    v = venue()
    out = live(v, buy("a", "UP", 520_000))
    assert out == [OrderEvent("a", LATENCY_MS, "rejected", "post-only order crosses book")]


def test_a_taker_waits_the_taker_delay_and_takes_the_book_as_it_is_then() -> None:
    v = venue()
    v.place(0, OrderRequest("t", "UP", "BUY", 520_000, 10 * SHARE, taker=True))
    assert v.next_due_ms() == LATENCY_MS + 250
    v.on_level(200, False, 520_000, 0)  # the ask goes before our taker arrives
    assert v.advance(300) == [OrderEvent("t", 300, "killed", "not enough liquidity")]


def test_a_taker_down_takes_up_bids_at_its_own_price() -> None:
    v = venue()
    # BUY Down capped at 0.51 takes Up bids at 0.49 or higher: the 0.50 bid, as Down at 0.50.
    v.place(0, OrderRequest("t", "DOWN", "BUY", 510_000, 10 * SHARE, taker=True))
    out = v.advance(300)
    assert out == [VenueFill("t", 300, "DOWN", "BUY", 500_000, 10 * SHARE, False, "take"),
                   OrderEvent("t", 300, "taken")]  # fmt: skip


def test_a_fill_before_the_cancel_is_done_wins_the_race() -> None:
    v = venue()
    live(v, buy("a", "UP", 510_000))
    v.cancel(1_000, "a")
    assert fills(v.on_trade(1_020, False, 500_000, 4 * SHARE)) == [("a", "UP", 510_000, 4 * SHARE, "trade_through")]
    assert v.advance(1_050) == [OrderEvent("a", 1_050, "canceled")]
    live(v, buy("b", "UP", 510_000))
    v.cancel(2_000, "b")
    v.on_trade(2_010, False, 500_000, 40 * SHARE)
    assert v.advance(2_050) == [OrderEvent("b", 2_050, "cancel_missed", "already filled")]


def test_with_top_of_book_only_a_print_at_our_price_never_fills_us() -> None:
    v = venue(QueueModel.TOP)
    live(v, buy("a", "UP", 500_000))
    v.on_level(60, True, 500_000, 5 * SHARE)  # a small level does not tell how many are ahead of us
    assert fills(v.on_trade(100, False, 500_000, 1_000 * SHARE)) == []
    assert fills(v.on_trade(200, False, 490_000, 3 * SHARE)) == [("a", "UP", 500_000, 3 * SHARE, "trade_through")]
