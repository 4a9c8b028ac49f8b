"""L2 HMAC against the reference vector and the official client; transport failures as error types
(against real loopback servers that answer, stall, hang up or are not there)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from eth_account import Account
from py_clob_client_v2.signing.hmac import build_hmac_signature
from pydantic import SecretStr

from common.clob.auth import ApiCreds, hmac_signature, l2_headers
from common.clob.client import AsyncClobClient, PostOrder
from common.clob.signing import OrderSigner
from common.clock import ManualClock
from common.errors import NetworkError, RateLimited, Rejected, UnknownOutcome, VenueServerError
from common.redis_server import free_port

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


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def venue(handler: Handler, timeout_s: float = 5.0) -> AsyncIterator[tuple[AsyncClobClient, PostOrder]]:
    """A loopback HTTP server answering every request with ``handler``, and a client of it."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client, leg = _client(f"http://127.0.0.1:{port}", timeout_s)
    try:
        yield client, leg
    finally:
        await client.aclose()
        await runner.cleanup()


def _client(url: str, timeout_s: float = 5.0) -> tuple[AsyncClobClient, PostOrder]:
    creds = ApiCreds(api_key="k", secret=SECRET, passphrase=SecretStr("p"))
    signer = OrderSigner(SecretStr(Account.create().key.hex()), chain_id=137, rng=random.Random(1))
    order = signer.sign(token_id="1", side="BUY", price_micro=450_000, size_micro=5_000_000,
                        tick_size_micro=10_000, timestamp_ms=1_800_000_000_000)  # fmt: skip
    client = AsyncClobClient(url, ManualClock(), address=signer.address, creds=creds, timeout_s=timeout_s)
    return client, PostOrder(order, "GTC", post_only=True)


async def test_a_submit_to_a_venue_that_is_not_there_never_left_so_it_is_a_network_error() -> None:
    client, leg = _client(f"http://127.0.0.1:{free_port()}")

    with pytest.raises(NetworkError):
        await client.post_orders([leg])
    await client.aclose()


async def test_a_submit_without_an_answer_in_time_may_have_landed_so_its_outcome_is_unknown() -> None:
    async def stall(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response([])

    async with venue(stall, timeout_s=0.2) as (client, leg):
        with pytest.raises(UnknownOutcome):
            await client.post_orders([leg])


async def test_a_submit_whose_connection_is_dropped_after_sending_has_an_unknown_outcome() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)  # the request arrived; no answer, the connection closes
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    client, leg = _client(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    with pytest.raises(UnknownOutcome):
        await client.post_orders([leg])
    await client.aclose()
    server.close()


async def test_a_server_error_on_a_submit_is_an_unknown_outcome_but_on_a_cancel_a_server_error() -> None:
    async def bad_gateway(request: web.Request) -> web.Response:
        return web.json_response({"error": "Bad Gateway"}, status=502)

    async with venue(bad_gateway) as (client, leg):
        with pytest.raises(UnknownOutcome):
            await client.post_orders([leg])
        with pytest.raises(VenueServerError):
            await client.cancel_orders([leg.order.order_id])


async def test_a_business_rejection_carries_the_venue_message() -> None:
    async def invalid(request: web.Request) -> web.Response:
        return web.json_response({"error": "Invalid payload"}, status=400)

    async with venue(invalid) as (client, leg):
        with pytest.raises(Rejected) as rejected:
            await client.post_orders([leg])

    assert rejected.value.message == "Invalid payload"


async def test_a_rate_limit_carries_the_venues_retry_after() -> None:
    async def limited(request: web.Request) -> web.Response:
        return web.json_response({"error": "Too Many Requests"}, status=429, headers={"Retry-After": "1.5"})

    async with venue(limited) as (client, leg):
        with pytest.raises(RateLimited) as refused:
            await client.post_orders([leg])

    assert refused.value.retry_after_s == 1.5


async def test_the_signed_body_is_exactly_the_bytes_sent() -> None:
    seen: dict[str, object] = {}

    async def record(request: web.Request) -> web.Response:
        seen["body"], seen["path"] = await request.read(), request.path
        seen["sig"], seen["ts"] = request.headers["POLY_SIGNATURE"], request.headers["POLY_TIMESTAMP"]
        return web.json_response([{"success": True, "orderID": "0x1", "status": "live"}])

    async with venue(record) as (client, leg):
        [result] = await client.post_orders([leg])

    expected = hmac_signature(SECRET, int(str(seen["ts"])), "POST", "/orders", seen["body"])  # type: ignore[arg-type]
    assert seen["path"] == "/orders" and result.accepted and result.order_id == "0x1"
    assert seen["sig"] == expected and b" " not in seen["body"]  # type: ignore[operator]
