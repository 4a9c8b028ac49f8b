"""The ledger's and the executor's bodies travel through the bus codec unchanged."""

from __future__ import annotations

from common.bus.codec import decode, encode
from common.schemas.base import Message
from common.schemas.exec import ExecReport
from workers.ledger.core import Ledger, window_summary

from .builders import MARKET, T0, UP, fill, record


def roundtrip(message: Message) -> Message:
    return decode(encode(message, src="test", key="k", event_ms=1, ingest_ms=2, emit_ms=3)).body


def test_positions_account_summary_and_reports_roundtrip_exactly() -> None:
    book = Ledger(1_000_000_000)
    book.on_market(record())
    book.on_fill(fill("t1", UP, status="CONFIRMED", role="TAKER"))
    book.on_mark(UP, 455_000)
    book.on_resolution(MARKET, UP)
    bodies: list[Message] = [
        book.position(MARKET, T0), book.account(T0), window_summary(book, MARKET, T0),
        ExecReport(kind="placed", market=MARKET, order_id="0x1", level=0, order_type="GTC", price_micro=450_000,
                   size_micro=5_000_000, tick_ms=T0 - 3, sent_ms=T0 - 1, ack_ms=T0, at_ms=T0),
    ]  # fmt: skip

    assert [roundtrip(b) for b in bodies] == bodies
