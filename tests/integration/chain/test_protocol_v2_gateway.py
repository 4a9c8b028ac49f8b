"""The merger's Protocol V2 gateway against the local chain's Router and PositionManager, over the
JSON-RPC route as against a node: merges need the Router approved, burn both outcomes and pay the
collateral; a redeem waits for resolution, pays the winner and clears the loser; retries plan from
the chain, so nothing is merged or redeemed twice."""

from __future__ import annotations

import os
import random
from typing import Any

import pytest
from eth_account import Account
from pydantic import SecretStr
from web3 import AsyncWeb3
from web3.exceptions import ContractLogicError

from common.chain import GatewaySettings, MemoryIntentStore
from common.chain.protocol_v2 import ProtocolV2Contracts, ProtocolV2Gateway, position_ids
from common.chain.retry import Backoff
from common.clob.protocol import is_v2_position_id
from sim.chain.local_chain import LocalChain

pytestmark = pytest.mark.integration

FAST = GatewaySettings(receipt_timeout_s=5.0, receipt_poll_s=0.01, backoff=Backoff(base_s=0.01, max_attempts=2))


def _market(chain: LocalChain) -> bytes:
    """A fresh V2 market (module byte 1, bits 40-103 zero) prepared on the Router; its condition id."""
    condition = b"\x01" + os.urandom(18) + b"\0" * 8 + os.urandom(4) + b"\0"
    chain.v2.prepare_market(condition)
    return condition


def _gateway(w3: AsyncWeb3[Any], key: SecretStr, chain: LocalChain) -> ProtocolV2Gateway:
    contracts = ProtocolV2Contracts(router=chain.v2.router_address, position_manager=chain.v2.position_manager_address,
                                    payout_token=chain.collateral_address)  # fmt: skip
    return ProtocolV2Gateway(w3, key, contracts, MemoryIntentStore(), chain_id=137, settings=FAST,
                             rng=random.Random(7))  # fmt: skip


def _address(key: SecretStr) -> str:
    return str(Account.from_key(key.get_secret_value()).address)


def test_v2_position_ids_are_the_market_id_and_the_outcome_as_the_chain_and_the_sdk_read_them(
        local_chain: LocalChain) -> None:  # fmt: skip
    condition = _market(local_chain)
    ids = position_ids(condition)
    assert ids == tuple(local_chain.position_id(condition, i, protocol_v2=True) for i in (0, 1))
    assert all(is_v2_position_id(str(i)) for i in ids)
    assert local_chain.v2.router.functions.positionId(condition[:31], 1).call() == ids[1]


async def test_a_merge_needs_the_router_approved_then_burns_both_outcomes_and_pays(
        local_chain: LocalChain, w3: AsyncWeb3[Any], wallet_key: SecretStr) -> None:  # fmt: skip
    bot = _address(wallet_key)
    condition = _market(local_chain)
    local_chain.mint_full_sets(bot, condition, 5_000_000, protocol_v2=True)
    gateway = _gateway(w3, wallet_key, local_chain)

    with pytest.raises(ContractLogicError, match="router not approved"):
        await gateway.merge(condition, 2_000_000, intent_id="m-unapproved")
    assert await gateway.ensure_target_approved() is not None
    assert await gateway.ensure_target_approved() is None  # already approved: nothing sent

    result = await gateway.merge(condition, 2_000_000, intent_id="m-1")
    assert (result.merged_micro, result.done_micro) == (2_000_000, 2_000_000)
    again = await gateway.merge(condition, 2_000_000, intent_id="m-1")  # a replay of the same intent
    assert again.merged_micro == 0
    assert local_chain.outcome_balances(bot, condition, protocol_v2=True) == (3_000_000, 3_000_000)
    assert await gateway.collateral_balance() == 2_000_000


async def test_a_redeem_waits_for_resolution_pays_the_winner_and_clears_the_loser(
        local_chain: LocalChain, w3: AsyncWeb3[Any], wallet_key: SecretStr) -> None:  # fmt: skip
    bot = _address(wallet_key)
    condition = _market(local_chain)
    local_chain.mint_full_sets(bot, condition, 4_000_000, protocol_v2=True)
    gateway = _gateway(w3, wallet_key, local_chain)
    await gateway.ensure_target_approved()

    early = await gateway.redeem(condition)
    assert (early.payout_micro, early.tx_hash) == (0, None)
    local_chain.v2.report_payouts(condition, 1)  # Down wins
    result = await gateway.redeem(condition)
    assert (result.payout_micro, result.redeemed_total_micro, tuple(result.remaining)) == (4_000_000, 4_000_000, (0, 0))
    assert await gateway.collateral_balance() == 4_000_000
    replay = await gateway.redeem(condition)
    assert (replay.payout_micro, replay.redeemed_total_micro) == (0, 4_000_000)
