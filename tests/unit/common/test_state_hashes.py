"""The state hashes are read by the model each field holds: ``state:positions`` keeps the account
beside the markets, and no reader can take one for the other."""

from __future__ import annotations

import fakeredis.aioredis
import pytest

from common import state
from common.schemas.positions import AccountPosition, MarketPosition

ACCOUNT = AccountPosition(cash_micro=1, equity_at_cost_micro=1, realized_pnl_micro=0, unrealized_pnl_micro=0,
                          taker_fees_paid_micro=0, rebate_estimate_micro=0, at_ms=1)  # fmt: skip
MARKET = MarketPosition(market="0xc", outcomes=(), mergeable_full_sets_micro=0, realized_pnl_micro=0,
                        unrealized_pnl_micro=0, taker_fees_paid_micro=0, maker_fee_equivalent_micro=0,
                        rebate_estimate_micro=0, at_ms=1)  # fmt: skip


async def hashes() -> fakeredis.aioredis.FakeRedis:
    redis = fakeredis.aioredis.FakeRedis()
    pipe = redis.pipeline()
    state.put(pipe, state.POSITIONS, "0xc", MARKET)
    state.put(pipe, state.POSITIONS, state.ACCOUNT, ACCOUNT)
    await pipe.execute()
    return redis


async def test_every_market_position_is_read_and_the_account_beside_them_is_left_out() -> None:
    redis = await hashes()

    assert await state.get_all(redis, state.POSITIONS, MarketPosition) == {"0xc": MARKET}
    assert await state.market_positions(redis) == {"0xc": MARKET}
    assert await state.account_position(redis) == ACCOUNT


async def test_the_account_field_cannot_be_read_or_written_as_a_market() -> None:
    redis = await hashes()

    with pytest.raises(state.WrongModel, match="AccountPosition"):
        await state.get(redis, state.POSITIONS, state.ACCOUNT, MarketPosition)
    pipe = redis.pipeline()
    with pytest.raises(state.WrongModel):
        state.put(pipe, state.POSITIONS, state.ACCOUNT, MARKET)
    with pytest.raises(state.WrongModel):
        state.put(pipe, state.POSITIONS, "0xc", ACCOUNT)
