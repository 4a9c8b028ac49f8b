"""Every file of the captures and fixtures folders has a parser here and parses without error.

The detailed field-by-field expectations are in the other conformance modules; this one makes sure
no file is left out (a new file in the folders fails until it is given a parser).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from common.venue.clob_rest import parse_clob_market, parse_data_api_trades, parse_rest_book
from common.venue.gamma import normalize_gamma_event, normalize_gamma_market
from common.venue.market_ws import (
    MarketWsParser,
    parse_last_trade,
    parse_price_change,
    parse_tick_size_change,
)
from common.venue.rtds import RtdsParser
from common.venue.user_ws import UserWsParser, parse_order, parse_trade
from tests.shared_data import needs_shared_data

from ._captures import CAPTURES_HTTP, CAPTURES_WS, FIXTURES, RECV_MS, obj, raw

pytestmark = needs_shared_data


def _market_frame(path: Path) -> list[Any]:
    return MarketWsParser().parse(raw(path), RECV_MS)


def _user_frame(path: Path) -> list[Any]:
    return UserWsParser().parse(raw(path), RECV_MS)


def _rtds_frame(path: Path) -> list[Any]:
    return RtdsParser().parse(raw(path), RECV_MS)


def _with_recv(parse: Callable[[Any, int], Any]) -> Callable[[Path], list[Any]]:
    def run(path: Path) -> list[Any]:
        out = parse(obj(path), RECV_MS)
        return out if isinstance(out, list) else [out]

    return run


def _no_recv(parse: Callable[[Any], Any]) -> Callable[[Path], list[Any]]:
    def run(path: Path) -> list[Any]:
        out = parse(obj(path))
        return out if isinstance(out, list) else [out]

    return run


#: File → (parser, number of normalized events it yields).
PARSERS: dict[str, tuple[Callable[[Path], list[Any]], int]] = {
    "captures/http/book.json": (_with_recv(parse_rest_book), 1),
    "captures/http/market.json": (_no_recv(parse_clob_market), 1),
    "captures/http/trades.json": (_with_recv(parse_data_api_trades), 4),
    "captures/ws/book.json": (_market_frame, 1),
    "captures/ws/last_trade_price.json": (_market_frame, 1),
    "captures/ws/order_cancel.json": (_user_frame, 1),
    "captures/ws/order_placement.json": (_user_frame, 1),
    "captures/ws/price_change.json": (_market_frame, 1),
    "captures/ws/price_change_v2.json": (_market_frame, 1),
    "captures/ws/tick_size_change.json": (_market_frame, 1),
    "captures/ws/trades.json": (_with_recv(parse_trade), 1),
    "captures/ws/user_trade1.json": (_user_frame, 1),
    "captures/ws/user_trade2.json": (_user_frame, 1),
    "captures/ws/user_trade3.json": (_user_frame, 1),
    "captures/ws/user_trade4.json": (_user_frame, 1),
    "fixtures/clob_book_response.json": (_with_recv(parse_rest_book), 1),
    "fixtures/data_api_trades_response.json": (_with_recv(parse_data_api_trades), 3),
    "fixtures/gamma_event.json": (_no_recv(normalize_gamma_event), 2),
    "fixtures/gamma_market.json": (_no_recv(normalize_gamma_market), 1),
    "fixtures/rtds_crypto_prices_subscribe.json": (_rtds_frame, 3),
    "fixtures/rtds_crypto_prices_update.json": (_rtds_frame, 1),
    # Equity prices are not a source of ours: recognised and skipped.
    "fixtures/rtds_equity_prices_subscribe.json": (_rtds_frame, 0),
    "fixtures/rtds_equity_prices_update.json": (_rtds_frame, 0),
    "fixtures/ws_book_snapshot.json": (_with_recv(parse_rest_book), 1),
    "fixtures/ws_last_trade.json": (_with_recv(parse_last_trade), 1),
    "fixtures/ws_market_best_bid_ask_msg.json": (_market_frame, 1),
    "fixtures/ws_market_book_msg.json": (_market_frame, 1),
    "fixtures/ws_market_last_trade_msg.json": (_market_frame, 1),
    "fixtures/ws_market_new_market_msg.json": (_market_frame, 1),
    "fixtures/ws_market_price_change_msg.json": (_market_frame, 1),
    "fixtures/ws_market_resolved_msg.json": (_market_frame, 1),
    "fixtures/ws_market_tick_size_msg.json": (_market_frame, 1),
    "fixtures/ws_quotes.json": (_with_recv(parse_price_change), 2),
    "fixtures/ws_tick_size_change.json": (_with_recv(parse_tick_size_change), 1),
    "fixtures/ws_user_order_cancellation.json": (_with_recv(parse_order), 1),
    "fixtures/ws_user_order_fok_killed.json": (_user_frame, 1),
    "fixtures/ws_user_order_matched.json": (_with_recv(parse_order), 1),
    "fixtures/ws_user_order_msg.json": (_user_frame, 1),
    "fixtures/ws_user_order_placement.json": (_with_recv(parse_order), 1),
    "fixtures/ws_user_order_update.json": (_with_recv(parse_order), 1),
    "fixtures/ws_user_order_venue_cancel.json": (_with_recv(parse_order), 1),
    "fixtures/ws_user_trade.json": (_with_recv(parse_trade), 1),
    "fixtures/ws_user_trade_msg.json": (_user_frame, 1),
}

ROOT = CAPTURES_WS.parent.parent


def test_every_file_in_the_captures_and_fixtures_folders_has_a_parser():
    files = {
        str(path.relative_to(ROOT))
        for folder in (CAPTURES_WS, CAPTURES_HTTP, FIXTURES)
        for path in folder.iterdir()
        if path.is_file()
    }

    assert files == set(PARSERS)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_each_file_parses_into_its_normalized_events(name):
    parse, expected_count = PARSERS[name]

    events = parse(ROOT / name)

    assert len(events) == expected_count
    for event in events:
        if hasattr(event, "recv_ts_ms"):
            assert event.recv_ts_ms == RECV_MS
