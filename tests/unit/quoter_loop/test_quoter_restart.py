"""A quoter (re)started on the hashes a running ledger left: the account beside the markets in
``state:positions`` is read as an account, not misread as a market."""

from __future__ import annotations

import fakeredis.aioredis

from common import state
from common.bus.writer import Writer
from common.clock import ManualClock
from common.config import load_settings
from common.logs import get_logger
from common.runner.spec import Context
from tests.unit.ledger.builders import MARKET, fill, record
from tests.unit.ledger_loop.harness import T0, Bus, deliver
from workers.quoter import worker


def quoter_on(redis: fakeredis.aioredis.FakeRedis) -> Context:
    settings = load_settings(env={"UPDOWN_SERIES": '["btc-15m"]'})
    clock = ManualClock(T0)
    return Context(name="quoter", instance="quoter-0", settings=settings, redis=redis, log=get_logger("quoter"),
                   writer=Writer(redis, "quoter", settings.bus, clock), clock=clock)  # fmt: skip


async def test_the_quoter_starts_on_the_positions_a_ledger_published_with_its_account() -> None:
    bus = Bus()  # the real ledger loop fills state:positions the way it does in a run
    ledger = await bus.start()
    await deliver(ledger, bus.envelope(record()))
    await deliver(ledger, bus.envelope(fill("t1", price=400_000, size=10_000_000)))
    assert set(await bus.redis.hkeys(state.POSITIONS)) == {MARKET.encode(), b"account"}

    ctx = quoter_on(bus.redis)
    await worker.setup(ctx)

    view = ctx.resources["view"]
    assert set(view.positions) == {MARKET}
    assert view.positions[MARKET].outcomes[0].shares_micro == 10_000_000
