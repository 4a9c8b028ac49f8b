"""The JSON client retries what may be retried, and never a business rejection."""

from __future__ import annotations

import random

import httpx
import pytest

from common.errors import NotFound, Rejected, is_retryable, venue_error
from common.net.http import HttpConfig, JsonClient


def scripted(*responses: httpx.Response) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    return httpx.MockTransport(handler), seen


def client(transport: httpx.MockTransport) -> JsonClient:
    cfg = HttpConfig(base_url="http://gamma.test", backoff_initial_ms=1, backoff_max_ms=2, max_attempts=4)
    return JsonClient(cfg, rng=random.Random(0), transport=transport)


async def test_a_429_then_a_500_then_success_returns_the_body_after_two_retries() -> None:
    transport, seen = scripted(
        httpx.Response(429, json={"error": "Too Many Requests"}, headers={"retry-after": "0.001"}),
        httpx.Response(500, text="oops"),
        httpx.Response(200, json={"slug": "btc-updown-15m-1"}),
    )
    gamma = client(transport)

    body = await gamma.get("/events/slug/btc-updown-15m-1")

    assert body == {"slug": "btc-updown-15m-1"}
    assert len(seen) == 3 and gamma.retries == 2
    await gamma.aclose()


async def test_a_business_rejection_is_raised_at_once_and_never_retried() -> None:
    transport, seen = scripted(httpx.Response(400, json={"error": "Invalid payload"}))
    gamma = client(transport)

    with pytest.raises(Rejected, match="Invalid payload"):
        await gamma.get("/markets")

    assert len(seen) == 1
    await gamma.aclose()


async def test_retries_stop_at_the_attempt_limit() -> None:
    transport, seen = scripted(*[httpx.Response(503, text="busy")] * 4)
    gamma = client(transport)

    with pytest.raises(Exception, match="503"):
        await gamma.get("/markets")

    assert len(seen) == 4
    await gamma.aclose()


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (425, True), (500, True), (503, True),
                                                     (400, False), (401, False), (404, False)])  # fmt: skip
def test_the_retry_predicate_by_status(status: int, retryable: bool) -> None:
    assert is_retryable(venue_error(status, "x")) is retryable


def test_a_404_is_a_not_found_rejection() -> None:
    assert isinstance(venue_error(404, "No orderbook exists"), NotFound)
