"""py-clob-client-v2, unmodified, against the emulator's CLOB on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from eth_account import Account
from py_clob_client_v2 import (
    ApiCreds,
    ClobClient,
    MarketOrderArgsV2,
    OpenOrderParams,
    OrderArgsV2,
    OrderMarketCancelParams,
    OrderPayload,
    OrderScoringParams,
    OrdersScoringParams,
    OrderType,
    PostOrdersV2Args,
    TradeParams,
)
from py_clob_client_v2.clob_types import BalanceAllowanceParams, CreateOrderOptions
from py_clob_client_v2.exceptions import PolyApiException

from .server import CID, DOWN, UP, ServerThread

pytestmark = pytest.mark.integration
MAKER = "mm"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread() as srv:

        def seed_liquidity() -> None:
            ex = srv.exchange
            ex.ensure_account(MAKER, None, 10_000_000_000)
            ex.adjust_position(MAKER, UP, 1_000_000_000)
            ex.adjust_position(MAKER, DOWN, 1_000_000_000)
            for price in (520_000, 530_000):
                ex.submit_internal(MAKER, UP, "SELL", price, 100_000_000)
            for price in (480_000, 470_000):
                ex.submit_internal(MAKER, UP, "BUY", price, 100_000_000)

        srv.call(seed_liquidity)
        yield srv


def _client(server: ServerThread, key: str | None = None, creds: ApiCreds | None = None) -> ClobClient:
    return ClobClient(server.url, chain_id=137, key=key or Account.create().key.hex(), creds=creds)


def _error(exc: pytest.ExceptionInfo[PolyApiException]) -> tuple[int | None, object]:
    return exc.value.status_code, exc.value.error_msg


def test_api_keys_are_created_once_and_derived_deterministically(server: ServerThread) -> None:
    client = _client(server)

    created = client.create_api_key()
    derived = client.derive_api_key()
    with pytest.raises(PolyApiException) as again:
        client.create_api_key()

    assert created == derived and created.api_key
    assert _error(again) == (400, {"error": "Could not create api key"})
    assert client.create_or_derive_api_key() == created
    assert client.create_api_key(nonce=1) != created


def test_market_data_reads_match_the_venue_shapes(server: ServerThread) -> None:
    client = _client(server)

    book = client.get_order_book(UP)
    info = client.get_clob_market_info(CID)

    assert client.get_tick_size(UP) == "0.01" and client.get_neg_risk(UP) is False
    assert client.get_version() == 2 and isinstance(client.get_server_time(), int)
    assert [b["price"] for b in book["bids"]] == ["0.47", "0.48"]  # best last, as the venue sends it
    assert [a["price"] for a in book["asks"]] == ["0.53", "0.52"]
    assert client.get_order_book_hash(book) == book["hash"]
    assert info["fd"] == {"r": 0.07, "e": 1, "to": True} and info["mts"] == 0.01
    assert client.get_market(CID)["tokens"][0]["token_id"] == UP
    assert [r["condition_id"] for r in client.get_current_rewards()] == [CID]
    assert client.get_raw_rewards_for_market(CID)[0]["rewards_min_size"] == 50
    down_book = client.get_order_book(DOWN)
    assert [a["price"] for a in down_book["asks"]][-1] == "0.52"  # mirror of the Up bid at 0.48


def test_a_trading_session_posts_fills_lists_and_cancels(server: ServerThread) -> None:
    client = _client(server)
    client.set_api_creds(client.create_api_key())

    resting = client.post_order(
        client.create_order(OrderArgsV2(token_id=UP, price=0.47, size=60, side="BUY")),
        OrderType.GTC,
        post_only=True,
    )
    gtd = client.create_order(
        OrderArgsV2(token_id=DOWN, price=0.40, size=10, side="BUY", expiration=int(time.time()) + 600)
    )
    extra = client.create_order(OrderArgsV2(token_id=UP, price=0.44, size=10, side="BUY"))
    batch = client.post_orders(
        [
            PostOrdersV2Args(order=gtd, orderType=OrderType.GTD),
            PostOrdersV2Args(order=extra, orderType=OrderType.GTC),
        ],
        post_only=True,
    )
    fok = client.post_order(
        client.create_market_order(MarketOrderArgsV2(token_id=UP, amount=5.2, side="BUY", price=0.52)),
        OrderType.FOK,
    )
    fak = client.post_order(
        client.create_market_order(
            MarketOrderArgsV2(token_id=UP, amount=6, side="SELL", price=0.48, order_type=OrderType.FAK)
        ),
        OrderType.FAK,
    )

    assert resting["success"] and resting["status"] == "live" and resting["orderID"].startswith("0x")
    assert [leg["status"] for leg in batch] == ["live", "live"]
    assert fok["status"] == "matched" and fok["takingAmount"] == "10" and fok["makingAmount"] == "5.2"
    assert fak["status"] == "matched" and fak["makingAmount"] == "6"
    open_ids = {o["id"] for o in client.get_open_orders()}
    assert open_ids == {resting["orderID"], batch[0]["orderID"], batch[1]["orderID"]}
    assert client.get_open_orders(OpenOrderParams(asset_id=DOWN))[0]["expiration"] == gtd.expiration
    trade_ids = {t["id"] for t in client.get_trades()}
    assert set(fok["tradeIDs"]) | set(fak["tradeIDs"]) <= trade_ids
    assert client.get_trades(TradeParams(id=fok["tradeIDs"][0]))[0]["trader_side"] == "TAKER"
    assert client.is_order_scoring(OrderScoringParams(orderId=resting["orderID"])) == {"scoring": True}
    scoring = client.are_orders_scoring(OrdersScoringParams(orderIds=[batch[1]["orderID"]]))
    assert scoring == {batch[1]["orderID"]: False}  # under the 50-share reward minimum
    balance = client.get_balance_allowance(BalanceAllowanceParams(asset_type="CONDITIONAL", token_id=UP))
    assert balance["balance"] == "4000000"  # bought 10, sold 6

    assert client.get_order(resting["orderID"])["size_matched"] == "0"
    assert client.get_order(fok["orderID"]) is None  # filled orders are not "active"
    one = client.cancel_order(OrderPayload(orderID=resting["orderID"]))
    many = client.cancel_orders([batch[0]["orderID"], "0x" + "00" * 32])
    market = client.cancel_market_orders(OrderMarketCancelParams(market=CID, asset_id=UP))
    last = client.create_and_post_order(OrderArgsV2(token_id=DOWN, price=0.30, size=5, side="BUY"))
    rest = client.cancel_all()

    assert one == {"canceled": [resting["orderID"]], "not_canceled": {}}
    assert many["canceled"] == [batch[0]["orderID"]] and list(many["not_canceled"]) == ["0x" + "00" * 32]
    assert market == {"canceled": [batch[1]["orderID"]], "not_canceled": {}}
    assert rest == {"canceled": [last["orderID"]], "not_canceled": {}}
    assert client.get_open_orders() == []


def test_heartbeats_chain_and_a_stale_id_is_refused_with_the_expected_one(server: ServerThread) -> None:
    client = _client(server)
    client.set_api_creds(client.create_api_key())

    assert client.get_closed_only_mode() == {"closed_only": False}
    first = client.post_heartbeat("")["heartbeat_id"]
    second = client.post_heartbeat(first)["heartbeat_id"]
    with pytest.raises(PolyApiException) as stale:
        client.post_heartbeat(first)

    assert first != second
    assert _error(stale) == (400, {"error_msg": "Invalid Heartbeat ID", "heartbeat_id": second})


def test_a_wrong_hmac_secret_is_unauthorized(server: ServerThread) -> None:
    client = _client(server)
    creds = client.create_api_key()
    client.set_api_creds(replace(creds, api_secret="A" * 43 + "="))

    with pytest.raises(PolyApiException) as exc:
        client.get_open_orders()

    assert _error(exc) == (401, {"error": "Unauthorized/Invalid api key"})


def test_a_key_used_by_another_address_is_unauthorized(server: ServerThread) -> None:
    owner = _client(server)
    creds = owner.create_api_key()
    intruder = _client(server, creds=creds)

    with pytest.raises(PolyApiException) as exc:
        intruder.post_order(intruder.create_order(OrderArgsV2(token_id=UP, price=0.4, size=5, side="BUY")))

    assert _error(exc) == (401, {"error": "Unauthorized/Invalid api key"})


def test_a_tampered_order_signature_is_rejected(server: ServerThread) -> None:
    client = _client(server)
    client.set_api_creds(client.create_api_key())
    order = client.create_order(OrderArgsV2(token_id=UP, price=0.4, size=5, side="BUY"))
    order.makerAmount = str(int(order.makerAmount) - 10_000)  # pay less than what was signed

    with pytest.raises(PolyApiException) as exc:
        client.post_order(order)

    assert _error(exc) == (400, {"error": "invalid signature"})


@pytest.mark.parametrize(
    ("price", "size", "tick", "post_only", "message"),
    [
        (0.405, 10, "0.001", False, "breaks minimum tick size rule: 0.01"),
        (0.40, 4, "0.01", False, "lower than the minimum: 5"),
        (0.52, 10, "0.01", True, "invalid post-only order: order crosses book"),
    ],
)
def test_business_rejections_carry_the_venue_status_and_message(
    server: ServerThread, price: float, size: float, tick: str, post_only: bool, message: str
) -> None:
    client = _client(server)
    client.set_api_creds(client.create_api_key())
    # signed with the client's own builder so that an off-grid price reaches the venue
    order = client.builder.build_order(
        OrderArgsV2(token_id=UP, price=price, size=size, side="BUY"),
        CreateOrderOptions(tick_size=tick, neg_risk=False),
    )

    with pytest.raises(PolyApiException) as exc:
        client.post_order(order, OrderType.GTC, post_only=post_only)

    assert exc.value.status_code == 400 and message in exc.value.error_msg["error"]


def test_a_rejected_batch_leg_comes_back_with_an_empty_order_id(server: ServerThread) -> None:
    client = _client(server)
    client.set_api_creds(client.create_api_key())
    good = client.create_order(OrderArgsV2(token_id=UP, price=0.41, size=5, side="BUY"))
    small = client.create_order(OrderArgsV2(token_id=UP, price=0.41, size=2, side="BUY"))

    legs = client.post_orders([PostOrdersV2Args(order=good), PostOrdersV2Args(order=small)])

    assert legs[0]["orderID"] and legs[0]["errorMsg"] == ""
    assert (
        legs[1]["success"] is True
        and legs[1]["orderID"] == ""
        and "lower than the minimum" in legs[1]["errorMsg"]
    )


def test_a_market_buy_whose_amounts_imply_an_off_grid_price_fills_at_the_tick(server: ServerThread) -> None:
    client = _client(server)
    client.set_api_creds(client.create_api_key())
    order = client.create_market_order(MarketOrderArgsV2(token_id=UP, amount=5, side="BUY", price=0.52))

    result = client.post_order(order, OrderType.FOK)

    assert order.makerAmount == "5000000" and order.takerAmount == "9615300"  # 5 / 9.6153 = 0.520005…
    assert result["status"] == "matched"
    assert result["makingAmount"] == "4.999995" and result["takingAmount"] == "9.615375"
