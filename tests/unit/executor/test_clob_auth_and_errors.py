"""L2 HMAC against the reference vector and the official client; transport failures as error types."""

from __future__ import annotations

import random

import httpx
import pytest
from eth_account import Account
from py_clob_client_v2.signing.hmac import build_hmac_signature
from pydantic import SecretStr

from common.clob.auth import ApiCreds, hmac_signature, l2_headers
from common.clob.client import AsyncClobClient, PostOrder
from common.clob.signing import OrderSigner
from common.clock import ManualClock
from common.errors import NetworkError, Rejected, UnknownOutcome, VenueServerError

SECRET = SecretStr("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")


def test_the_hmac_matches_the_reference_vector() -> None:
    signature = hmac_signature(SECRET, 1000000, "test-sign", "/orders", b'{"hash": "0x123"}')

    assert signature == "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc="


def test_the_hmac_agrees_with_the_official_client_on_a_compact_order_body() -> None:
    body = b'[{"order":{"salt":12,"side":"BUY"},"owner":"k","orderType":"GTC","postOnly":true}]'

    ours = hmac_signature(SECRET, 1_800_000_000, "POST", "/orders", body)

    assert ours == build_hmac_signature(SECRET.get_secret_value(), 1_800_000_000, "POST", "/orders", body.decode())


def test_secrets_never_show_in_the_repr_of_the_credentials() -> None:
    creds = ApiCreds(api_key="k", secret=SECRET, passphrase=SecretStr("pass-phrase"))

    headers = l2_headers("0xabc", creds, 1, "GET", "/data/orders", None)

    assert "AAAA" not in repr(creds) and "pass-phrase" not in repr(creds)
    assert headers["POLY_PASSPHRASE"] == "pass-phrase" and headers["POLY_API_KEY"] == "k"


def _client(handler) -> tuple[AsyncClobClient, PostOrder]:  # type: ignore[no-untyped-def]
    creds = ApiCreds(api_key="k", secret=SECRET, passphrase=SecretStr("p"))
    signer = OrderSigner(SecretStr(Account.create().key.hex()), chain_id=137, rng=random.Random(1))
    order = signer.sign(token_id="1", side="BUY", price_micro=450_000, size_micro=5_000_000,
                        tick_size_micro=10_000, timestamp_ms=1_800_000_000_000)  # fmt: skip
    client = AsyncClobClient("http://venue.test", ManualClock(), address=signer.address, creds=creds,
                             transport=httpx.MockTransport(handler))  # fmt: skip
    return client, PostOrder(order, "GTC", post_only=True)


@pytest.mark.parametrize(("raised", "expected"), [
    (httpx.ConnectError("refused"), NetworkError),
    (httpx.ReadTimeout("timed out"), UnknownOutcome),
    (httpx.RemoteProtocolError("Server disconnected without sending a response."), UnknownOutcome),
])  # fmt: skip
async def test_a_submit_that_fails_in_transport_is_typed_by_whether_it_may_have_landed(
    raised: Exception, expected: type[Exception]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise raised

    client, leg = _client(handler)

    with pytest.raises(expected):
        await client.post_orders([leg])
    await client.aclose()


async def test_a_server_error_on_a_submit_is_an_unknown_outcome_but_on_a_cancel_a_server_error() -> None:
    client, leg = _client(lambda request: httpx.Response(502, json={"error": "Bad Gateway"}))

    with pytest.raises(UnknownOutcome):
        await client.post_orders([leg])
    with pytest.raises(VenueServerError):
        await client.cancel_orders([leg.order.order_id])
    await client.aclose()


async def test_a_business_rejection_carries_the_venue_message() -> None:
    client, leg = _client(lambda request: httpx.Response(400, json={"error": "Invalid payload"}))

    with pytest.raises(Rejected) as rejected:
        await client.post_orders([leg])

    assert rejected.value.message == "Invalid payload"
    await client.aclose()


async def test_the_signed_body_is_exactly_the_bytes_sent() -> None:
    seen: dict[str, object] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["body"], seen["sig"], seen["ts"] = request.content, request.headers["POLY_SIGNATURE"], \
            request.headers["POLY_TIMESTAMP"]
        return httpx.Response(200, json=[{"success": True, "orderID": "0x1", "status": "live"}])

    client, leg = _client(handler)
    await client.post_orders([leg])

    expected = hmac_signature(SECRET, int(str(seen["ts"])), "POST", "/orders", seen["body"])  # type: ignore[arg-type]
    assert seen["sig"] == expected and b" " not in seen["body"]  # type: ignore[operator]
    await client.aclose()
