"""The executor places nothing until the venue reports every approval a first order may need: both
exchanges' collateral, the CTF tokens, and ExchangeV3's V2 positions (sent last by the merger)."""

from __future__ import annotations

from typing import Any

import fakeredis
import pytest

from common import logs
from common.bus.writer import Writer
from common.clob.client import BalanceAllowance
from common.clob.signing import EXCHANGE_V3
from common.clock import ManualClock
from common.config.settings import ExecutorSettings, Settings
from common.runner import Context
from workers.executor.allowances import wait_for_allowances

EXCHANGE_V2 = "0xE111180000d2663C0091e4f400237545B87B996B"


class Venue:
    """``balance_allowance`` answers from ``looks``: one dict per look, asset type → spenders approved."""

    def __init__(self, looks: list[dict[str, tuple[str, ...]]]) -> None:
        self.looks, self.asked = looks, 0

    async def balance_allowance(self, asset_type: str, **_: Any) -> BalanceAllowance:
        look = self.looks[min(self.asked // 3, len(self.looks) - 1)]
        self.asked += 1
        return BalanceAllowance(0, {s: 10**18 for s in look.get(asset_type, ())})


@pytest.fixture
def ctx() -> Context:
    clock, redis = ManualClock(), fakeredis.aioredis.FakeRedis()
    settings = Settings(executor=ExecutorSettings(allowance_poll_s=0.001))
    return Context(name="executor", instance="executor-0", settings=settings, redis=redis,
                   writer=Writer(redis, "executor", settings.bus, clock), log=logs.get_logger("executor"),
                   clock=clock)  # fmt: skip


async def test_it_waits_for_exchange_v3_after_the_ctf_exchange_is_approved(ctx: Context) -> None:
    v1_only = {"COLLATERAL": (EXCHANGE_V2,), "CONDITIONAL": (EXCHANGE_V2,)}
    everything = {"COLLATERAL": (EXCHANGE_V2, EXCHANGE_V3), "CONDITIONAL": (EXCHANGE_V2,),
                  "CONDITIONAL-V2": (EXCHANGE_V3,)}  # fmt: skip
    venue = Venue([v1_only, v1_only, everything])

    assert await wait_for_allowances(ctx, venue)  # type: ignore[arg-type]
    assert venue.asked == 9  # three looks: the first two lacked ExchangeV3
