"""The paper executor's pieces: prints seen from the other outcome's book, run-unique fill ids."""

from __future__ import annotations

from common.clob.client import Sent
from common.schemas.book import BookSnapshot, LastTrade
from common.schemas.user import Fill
from workers.executor.core import PlaceSpec, Slot
from workers.executor.paper.venue import PaperVenue
from workers.executor.paper_worker import PaperGateway, mirror

UP, DOWN, MARKET = "101", "102", "0x" + "cd" * 32


def test_a_down_buy_at_60_is_an_up_sell_at_40_of_the_same_size() -> None:
    trade = LastTrade(market=MARKET, asset_id=DOWN, price_micro=600_000, size_micro=7_000_000, side="BUY",
                      venue_ts_ms=5, recv_ts_ms=6)  # fmt: skip

    seen = mirror(trade, UP)

    assert (seen.asset_id, seen.side, seen.price_micro, seen.size_micro) == (UP, "SELL", 400_000, 7_000_000)


async def test_paper_fills_carry_the_run_in_their_trade_and_fill_ids() -> None:
    venue = PaperVenue("paper", lambda: 1_000)
    gateway = PaperGateway(venue, "777", lambda: 1_000)
    book = BookSnapshot(market=MARKET, asset_id=UP, bids=((400_000, 5_000_000),), asks=(), best_bid_micro=400_000,
                        best_ask_micro=None, venue_ts_ms=1, recv_ts_ms=1)  # fmt: skip
    venue.on_snapshot(book)
    spec = PlaceSpec(Slot(MARKET, UP, "BUY", 0), "i1", 400_000, 10_000_000, "GTC", True, 10_000)
    order_id, leg = gateway.prepare(spec, 1_000)
    sent = Sent()
    [result] = await gateway.post([leg], sent)
    assert result.accepted and result.order_id == order_id
    assert sent.at_ms is not None  # the paper venue took it at once

    sold = LastTrade(market=MARKET, asset_id=UP, price_micro=400_000, size_micro=8_000_000, side="SELL",
                     venue_ts_ms=2, recv_ts_ms=2)  # fmt: skip
    fills = [e for e in gateway.adopt(venue.on_trade(sold)) if isinstance(e, Fill)]

    assert {f.size_micro for f in fills} == {3_000_000}  # 5 ahead of us, 3 left for us
    assert all(f.trade_id.startswith("777-") and f.fill_id.startswith("777-") for f in fills)
