"""The control API's Idempotency-Key is bound to one action on one target, claimed atomically and
its replays audited; a command for a worker that does not exist is refused."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from common.bus import streams
from tests.integration.control.conftest import AUTH, ctl_entries

pytestmark = pytest.mark.integration
Api = tuple[TestClient, aioredis.Redis]  # type: ignore[type-arg]


async def audit_outcomes(redis: aioredis.Redis) -> list[bytes]:  # type: ignore[type-arg]
    return [fields[b"outcome"] for _, fields in await redis.xrange(streams.AUDIT)]


async def test_a_key_reused_for_another_action_is_refused_and_nothing_is_sent(api: Api) -> None:
    client, redis = api
    headers = {**AUTH, "Idempotency-Key": "k-1"}
    await client.post("/control/pause", headers=headers)

    reply = await client.post("/control/halt", headers=headers)

    body = await reply.json()
    assert reply.status == 409
    assert "pause" in body["reason"] and "new key" in body["reason"]
    assert await ctl_entries(redis) == 1
    assert await redis.get("ctl:trading_mode") is None  # the halt did not happen
    assert (await audit_outcomes(redis))[-1] == b"conflict"


async def test_a_key_reused_for_another_target_is_refused(api: Api) -> None:
    client, redis = api
    headers = {**AUTH, "Idempotency-Key": "k-2"}
    await client.post("/control/pause?target=quoter", headers=headers)

    reply = await client.post("/control/pause?target=executor", headers=headers)

    assert reply.status == 409
    assert "quoter" in (await reply.json())["reason"]
    assert await ctl_entries(redis) == 1


async def test_a_replay_gets_the_first_answer_and_is_audited_as_replayed(api: Api) -> None:
    client, redis = api
    headers = {**AUTH, "Idempotency-Key": "k-3"}
    first = await (await client.post("/control/halt?target=quoter", headers=headers)).json()

    again = await (await client.post("/control/halt?target=quoter", headers=headers)).json()

    assert again == first
    assert await ctl_entries(redis) == 1
    audit = await redis.xrange(streams.AUDIT)
    replayed = [fields for _, fields in audit if fields[b"outcome"] == b"replayed"]
    assert len(replayed) == 1
    assert json.loads(replayed[0][b"detail"])["request_id"] == first["request_id"]


async def test_concurrent_requests_with_one_key_act_once(api: Api) -> None:
    client, redis = api
    headers = {**AUTH, "Idempotency-Key": "k-4"}

    replies = await asyncio.gather(*(client.post("/control/pause", headers=headers) for _ in range(12)))

    assert await ctl_entries(redis) == 1
    assert {r.status for r in replies} <= {200, 409}
    assert sum(r.status == 200 for r in replies) >= 1


@pytest.mark.parametrize("target", ["quoterr", "all", ""])
async def test_a_command_for_an_unknown_worker_is_refused(api: Api, target: str) -> None:
    client, redis = api

    reply = await client.post(f"/control/halt?target={target}", headers=AUTH)

    body = await reply.json()
    assert reply.status == 422
    assert body["error"] == "unknown target" and "quoter" in body["known"]
    assert await ctl_entries(redis) == 0
    assert await audit_outcomes(redis) == [b"refused"]


async def test_a_worker_by_name_or_a_running_instance_may_be_targeted(api: Api) -> None:
    client, redis = api
    await redis.hset("health:quoter-7", mapping={"instance": "quoter-7", "worker": "quoter"})

    by_name = await client.post("/control/pause?target=ledger", headers=AUTH)
    by_instance = await client.post("/control/pause?target=quoter-7", headers=AUTH)

    assert (by_name.status, by_instance.status) == (200, 200)
    assert await ctl_entries(redis) == 2
