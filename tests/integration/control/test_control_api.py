"""The control API against a real Redis: authentication, actions, idempotence, reload validation."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from common.bus import streams
from tests.integration.control.conftest import AUTH, TOKEN, ctl_entries

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
async def test_unauthenticated_and_wrong_token_calls_are_refused_and_audited(
    api: tuple[TestClient, aioredis.Redis], headers: dict[str, str]  # type: ignore[type-arg]
) -> None:
    client, redis = api

    health = await client.get("/health", headers=headers)
    halt = await client.post("/control/halt", headers=headers)

    assert (health.status, halt.status) == (401, 401)
    assert await ctl_entries(redis) == 0
    audit = await redis.xrange(streams.AUDIT)
    assert [e[1][b"outcome"] for e in audit] == [b"unauthorized", b"unauthorized"]


async def test_halt_sets_the_trading_mode_and_a_repeated_request_acts_once(
    api: tuple[TestClient, aioredis.Redis],  # type: ignore[type-arg]
) -> None:
    client, redis = api
    headers = {**AUTH, "Idempotency-Key": "halt-1"}

    first = await (await client.post("/control/halt?reason=drill", headers=headers)).json()
    again = await (await client.post("/control/halt?reason=drill", headers=headers)).json()
    health = await (await client.get("/health", headers=AUTH)).json()

    assert first == again and first["ok"] is True
    assert await ctl_entries(redis) == 1
    assert await redis.get("ctl:trading_mode") == b"HALTED"
    assert health["trading_mode"] == "HALTED"


async def test_reload_with_a_bad_value_is_refused_with_the_reason_and_changes_nothing(
    api: tuple[TestClient, aioredis.Redis], monkeypatch: pytest.MonkeyPatch  # type: ignore[type-arg]
) -> None:
    client, redis = api
    monkeypatch.setenv("UPDOWN_REDIS__BLOCK_MS", "soon")

    reply = await client.post("/control/reload", headers=AUTH)
    body = await reply.json()

    assert reply.status == 400
    assert "redis.block_ms" in body["reason"] and "'soon'" in body["reason"]
    assert await ctl_entries(redis) == 0
    audit = await redis.xrange(streams.AUDIT)
    assert audit[-1][1][b"outcome"] == b"refused"


async def test_state_endpoints_return_the_current_hashes(api: tuple[TestClient, aioredis.Redis]) -> None:  # type: ignore[type-arg]
    client, redis = api
    await redis.hset("state:pnl", "total", '{"realized_pnl_micro": 1500}')

    pnl = await (await client.get("/state/pnl", headers=AUTH)).json()
    orders = await (await client.get("/state/orders", headers=AUTH)).json()

    assert pnl == {"total": {"realized_pnl_micro": 1500}}
    assert orders == {}
