"""The pipeline bench's baseline executor: what each intent adds is posted once, what it drops is
cancelled, and its tick-to-order figures are written at SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from eth_account import Account
from pydantic import SecretStr

from bench import bare_executor
from cli.keys import write_wallet
from common.bus.codec import encode
from common.clob.auth import L1Signer
from common.clob.client import AsyncClobClient
from common.clock import SystemClock
from common.schemas.intent import ChurnTolerance, DesiredOrder, Intent
from tests.integration.sim_api.server import CID, DOWN, UP

from .emulator import start_emulator

pytestmark = pytest.mark.integration

STREAM = "intent.bare-test"
#: How long the bare executor gets to start and block on its first XREAD (imports, time sync).
READING_WAIT_S = 60.0
CHURN = ChurnTolerance(min_move_ticks=1, min_size_change_ppm=100_000, max_replaces_per_s=100)


def intent(levels: int, seq: int) -> Intent:
    now = int(time.time() * 1000)
    orders = tuple(DesiredOrder(outcome=o, token_id=t, price_micro=(45 - i) * 10_000, size_micro=5_000_000, level=i)
                   for i in range(levels) for o, t in (("UP", UP), ("DOWN", DOWN)))  # fmt: skip
    return Intent(intent_id=f"bare-{seq}", series="btc-15m", slug="btc-updown-15m-0", condition_id=CID,
                  tick_micro=10_000, created_ms=now, valid_until_ms=now + 5_000, mode="ACTIVE", regime="test",
                  reason="test", target_total_micro=600_000, orders=orders, churn=CHURN)  # fmt: skip


async def _reading(redis: aioredis.Redis) -> None:
    """Until a client blocks on XREAD: the executor reads from "$", so an intent written before it
    reads is never seen (a fixed 2-s wait was too short on a loaded machine: SIGTERM before the
    handler, exit -15)."""
    deadline = time.monotonic() + READING_WAIT_S
    while not any(c.get("cmd") == "xread" for c in await redis.client_list()):
        assert time.monotonic() < deadline, f"the bare executor never read {STREAM} in {READING_WAIT_S:.0f} s"
        await asyncio.sleep(0.1)


async def test_the_bare_executor_posts_what_is_new_cancels_what_is_gone_and_reports(
    redis_url: str, repo_root: Path, tmp_path: Path
) -> None:
    emulator = await start_emulator()
    key = Account.create().key.hex()
    client = AsyncClobClient(emulator.url, SystemClock(), address=Account.from_key(key).address,
                             l1=L1Signer(SecretStr(key), 137))  # fmt: skip
    await client.create_or_derive_api_key()
    assert client.creds is not None
    secrets = tmp_path / "secrets"
    write_wallet(secrets, key, client.creds)
    env = dict(os.environ, UPDOWN_SECRETS_DIR=str(secrets), UPDOWN_VENUE__CLOB_URL=emulator.url,
               UPDOWN_DATA_DIR=str(tmp_path))  # fmt: skip
    redis = aioredis.Redis.from_url(redis_url)
    await redis.delete(bare_executor.RESULT_KEY)
    proc = subprocess.Popen([sys.executable, "-m", "bench.bare_executor", redis_url, STREAM], cwd=repo_root,
                            env=env)  # fmt: skip
    try:
        await _reading(redis)
        for seq, levels in enumerate((2, 1), start=1):
            now = time.time() * 1000
            await redis.xadd(STREAM, encode(intent(levels, seq), src="test", key=CID, event_ms=int(now),
                                            ingest_ms=now, emit_ms=now))  # fmt: skip
            await asyncio.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 20) == 0
    finally:
        proc.kill()
    resting = {(o.asset_id, o.price_micro) for o in await client.open_orders(market=CID)}
    assert resting == {(UP, 450_000), (DOWN, 450_000)}  # level 1 posted with the first, cancelled by the second
    figures = {k.decode(): float(v) for k, v in (await redis.hgetall(bare_executor.RESULT_KEY)).items()}
    assert figures["count"] == 4  # one sample per order posted
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] < 20_000
    await redis.aclose()
    await client.aclose()
    await emulator.server.close()
