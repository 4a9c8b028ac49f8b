"""The paper venue fills resting orders by queue position, and answers like the CLOB."""

from __future__ import annotations

from common.schemas.book import BookDelta, BookSnapshot, LastTrade
from common.schemas.user import Fill, OrderEvent
from workers.executor.core import PlaceSpec, Slot
from workers.executor.paper import PaperVenue

from .builders import MARKET, OWNER, T0, TICK, UP


def spec(price: int = 450_000, size: int = 10_000_000, side: str = "BUY", order_type: str = "GTC") -> PlaceSpec:
    return PlaceSpec(Slot(MARKET, UP, side, 0), "i1", price, size, order_type,  # type: ignore[arg-type]
                     order_type in ("GTC", "GTD"), TICK)  # fmt: skip


def book(bids: tuple[tuple[int, int], ...], asks: tuple[tuple[int, int], ...]) -> BookSnapshot:
    return BookSnapshot(market=MARKET, asset_id=UP, bids=bids, asks=asks, best_bid_micro=bids[0][0] if bids else None,
                        best_ask_micro=asks[0][0] if asks else None, venue_ts_ms=T0, recv_ts_ms=T0)  # fmt: skip


def sell_print(price: int, size: int) -> LastTrade:
    return LastTrade(market=MARKET, asset_id=UP, price_micro=price, size_micro=size, side="SELL",
                     venue_ts_ms=T0, recv_ts_ms=T0)  # fmt: skip


def filled(out: list[Fill | OrderEvent]) -> int:
    return sum(o.size_micro for o in out if isinstance(o, Fill) and o.status == "CONFIRMED")


def venue_with_our_bid_behind(queue_micro: int) -> PaperVenue:
    venue = PaperVenue(OWNER, lambda: T0)
    venue.on_snapshot(book(((450_000, queue_micro),), ((470_000, 50_000_000),)))
    results, _ = venue.post([("0xours", spec())])
    assert results[0].accepted
    return venue


def test_a_resting_order_is_not_filled_while_queue_ahead_remains_and_is_filled_once_it_is_consumed() -> None:
    venue = venue_with_our_bid_behind(30_000_000)

    first = venue.on_trade(sell_print(450_000, 20_000_000))  # 10 of the 30 ahead are left
    ahead_after_first = venue.resting["0xours"].queue_ahead_micro
    second = venue.on_trade(sell_print(450_000, 16_000_000))  # 10 ahead consumed, 6 fill us

    assert filled(first) == 0 and ahead_after_first == 10_000_000
    assert filled(second) == 6_000_000
    assert venue.resting["0xours"].remaining_micro == 4_000_000


def test_a_trade_through_our_bid_fills_us_at_our_price_whatever_the_queue() -> None:
    venue = venue_with_our_bid_behind(30_000_000)

    out = venue.on_trade(sell_print(440_000, 25_000_000))

    fills = [o for o in out if isinstance(o, Fill)]
    assert filled(out) == 10_000_000 and {f.price_micro for f in fills} == {450_000}
    assert {f.role for f in fills} == {"MAKER"} and "0xours" not in venue.resting
    assert [o.status for o in out if isinstance(o, OrderEvent)] == ["MATCHED"]


def test_cancels_at_our_level_are_assumed_behind_us_until_the_level_is_smaller_than_the_queue() -> None:
    venue = venue_with_our_bid_behind(30_000_000)

    venue.on_delta(BookDelta(market=MARKET, asset_id=UP, changes=(("BUY", 450_000, 25_000_000),),
                             venue_ts_ms=T0, recv_ts_ms=T0))  # fmt: skip
    still = venue.resting["0xours"].queue_ahead_micro
    venue.on_delta(BookDelta(market=MARKET, asset_id=UP, changes=(("BUY", 450_000, 12_000_000),),
                             venue_ts_ms=T0, recv_ts_ms=T0))  # fmt: skip

    assert still == 25_000_000
    assert venue.resting["0xours"].queue_ahead_micro == 12_000_000


def test_an_ask_reaching_our_bid_fills_us_once_for_the_size_offered() -> None:
    venue = venue_with_our_bid_behind(30_000_000)
    cross = BookDelta(market=MARKET, asset_id=UP, changes=(("SELL", 450_000, 4_000_000),), venue_ts_ms=T0,
                      recv_ts_ms=T0)  # fmt: skip

    first = venue.on_delta(cross)
    again = venue.on_delta(cross)

    assert filled(first) == 4_000_000 and filled(again) == 0


def test_a_crossing_post_only_order_is_rejected_with_the_venue_text() -> None:
    venue = venue_with_our_bid_behind(1_000_000)

    results, out = venue.post([("0xcross", spec(price=470_000))])

    assert not results[0].accepted and "post-only" in results[0].error_msg and out == []


def test_a_fok_fills_all_or_is_killed_and_a_fak_takes_what_there_is() -> None:
    venue = venue_with_our_bid_behind(1_000_000)

    [killed], _ = venue.post([("0xfok", spec(price=470_000, size=60_000_000, order_type="FOK"))])
    [partial], out = venue.post([("0xfak", spec(price=470_000, size=60_000_000, order_type="FAK"))])

    assert not killed.accepted and "FOK" in killed.error_msg
    assert partial.accepted and filled(out) == 50_000_000
    assert {f.role for f in out if isinstance(f, Fill)} == {"TAKER"}


def test_a_cancelled_paper_order_no_longer_fills() -> None:
    venue = venue_with_our_bid_behind(0)

    result, out = venue.cancel(["0xours", "0xnone"])
    after = venue.on_trade(sell_print(440_000, 10_000_000))

    assert result.canceled == ("0xours",) and "0xnone" in result.not_canceled
    assert [o.kind for o in out if isinstance(o, OrderEvent)] == ["CANCELLATION"]
    assert after == []
