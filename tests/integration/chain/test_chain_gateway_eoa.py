"""The merger's real web3 code against a local EVM running the real ConditionalTokens bytecode.

The gateway talks JSON-RPC over HTTP on loopback to the emulator's route, exactly as it would talk
to a Polygon node: it signs locally with chain id 137, estimates gas, sends raw transactions and
polls receipts.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from eth_account import Account
from pydantic import SecretStr
from web3 import AsyncHTTPProvider, AsyncWeb3

from common.chain import ChainContracts, EoaGateway, FileIntentStore, GatewaySettings, MemoryIntentStore
from common.chain.intents import IntentStore
from common.chain.retry import Backoff, ChainConfigError, RedeemNoOp, SendOutcomeUnknown
from sim.chain.local_chain import LocalChain
from sim.chain.rpc import ChainRpc

pytestmark = pytest.mark.integration

#: Tests poll receipts fast: the local chain mines at once.
FAST = GatewaySettings(receipt_timeout_s=5.0, receipt_poll_s=0.01, backoff=Backoff(base_s=0.01, max_attempts=3))
#: The first gateway of a crash scenario must not retry: it "dies" on its first error.
NO_RETRY = GatewaySettings(receipt_timeout_s=5.0, receipt_poll_s=0.01, backoff=Backoff(max_attempts=1))


def _gateway(
    w3: AsyncWeb3[Any],
    key: SecretStr,
    chain: LocalChain,
    store: IntentStore,
    settings: GatewaySettings = FAST,
    chain_id: int = 137,
) -> EoaGateway:
    contracts = ChainContracts.single_collateral(chain.ctf_address, chain.collateral_address)
    return EoaGateway(w3, key, contracts, store, chain_id=chain_id, settings=settings, rng=random.Random(7))


def _new_condition(chain: LocalChain) -> tuple[bytes, bytes]:
    question_id = os.urandom(32)
    return question_id, chain.prepare_condition(question_id)


def _address(key: SecretStr) -> str:
    return str(Account.from_key(key.get_secret_value()).address)


@pytest.fixture
async def lossy_rpc(local_chain: LocalChain) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """An RPC route where, once armed, ``eth_sendRawTransaction`` reaches the chain once but every
    answer is lost (mode "after"), or never reaches it (mode "before"): a process dying at the send."""
    rpc = ChainRpc(local_chain)
    fault: dict[str, str] = {}

    async def handle(request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("method") == "eth_sendRawTransaction" and "mode" in fault:
            if fault["mode"] == "after" and "delivered" not in fault:
                rpc.handle(body)
                fault["delivered"] = body["params"][0]
            return web.Response(status=502, text="connection lost")
        return web.json_response(rpc.handle(body))

    app = web.Application()
    app.router.add_post("/chain/rpc", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/chain/rpc", fault
    await runner.cleanup()


async def test_split_merge_part_report_and_redeem_leave_balances_exact_to_the_micro_unit(
    local_chain: LocalChain, w3: AsyncWeb3[Any], wallet_key: SecretStr
) -> None:
    # Arrange: a prepared condition and 5.000000 full sets split for the bot
    bot = _address(wallet_key)
    question_id, condition_id = _new_condition(local_chain)
    local_chain.mint_full_sets(bot, condition_id, 5_000_000)
    gateway = _gateway(w3, wallet_key, local_chain, MemoryIntentStore())
    assert await gateway.balances(condition_id) == (5_000_000, 5_000_000)

    # Act: merge 1.234567 sets, Down wins, redeem
    merged = await gateway.merge(condition_id, 1_234_567, intent_id="w1:merge:1")
    after_merge = await gateway.balances(condition_id)
    collateral_after_merge = await gateway.collateral_balance()
    local_chain.report_payouts(question_id, winning_index=1)
    redeemed = await gateway.redeem(condition_id)

    # Assert
    assert merged.merged_micro == 1_234_567 and merged.done_micro == 1_234_567
    assert after_merge == (3_765_433, 3_765_433)
    assert collateral_after_merge == 1_234_567
    assert redeemed.payout_micro == 3_765_433
    assert redeemed.remaining == (0, 0)
    assert await gateway.collateral_balance() == 5_000_000
    assert local_chain.collateral_balance(bot) == 5_000_000
    assert local_chain.outcome_balances(bot, condition_id) == (0, 0)


async def test_a_merge_run_again_after_a_crash_between_send_and_receipt_merges_nothing_more(
    local_chain: LocalChain,
    w3: AsyncWeb3[Any],
    wallet_key: SecretStr,
    lossy_rpc: tuple[str, dict[str, str]],
    tmp_path: Path,
) -> None:
    # Arrange: the first process's send reaches the chain but the process dies without the receipt
    bot = _address(wallet_key)
    _, condition_id = _new_condition(local_chain)
    local_chain.mint_full_sets(bot, condition_id, 5_000_000)
    lossy_url, fault = lossy_rpc
    fault["mode"] = "after"
    lossy_w3 = AsyncWeb3(AsyncHTTPProvider(lossy_url, exception_retry_configuration=None))
    doomed = _gateway(lossy_w3, wallet_key, local_chain, FileIntentStore(tmp_path), NO_RETRY)
    with pytest.raises(SendOutcomeUnknown):
        await doomed.merge(condition_id, 2_000_000, intent_id="w1:merge:1")
    await lossy_w3.provider.disconnect()
    assert local_chain.outcome_balances(bot, condition_id) == (3_000_000, 3_000_000)

    # Act: a restarted gateway (fresh store object on the same directory) runs the same merge twice
    restarted = _gateway(w3, wallet_key, local_chain, FileIntentStore(tmp_path))
    first = await restarted.merge(condition_id, 2_000_000, intent_id="w1:merge:1")
    second = await restarted.merge(condition_id, 2_000_000, intent_id="w1:merge:1")

    # Assert: the crashed send is confirmed once, and nothing more is merged
    assert first.merged_micro == 2_000_000 and first.done_micro == 2_000_000
    assert second.merged_micro == 0 and second.tx_hash is None
    assert local_chain.outcome_balances(bot, condition_id) == (3_000_000, 3_000_000)
    assert local_chain.collateral_balance(bot) == 2_000_000


async def test_a_merge_persisted_but_never_broadcast_is_sent_exactly_once_on_restart(
    local_chain: LocalChain,
    w3: AsyncWeb3[Any],
    wallet_key: SecretStr,
    lossy_rpc: tuple[str, dict[str, str]],
    tmp_path: Path,
) -> None:
    # Arrange: the process dies after persisting the signed transaction, before the node got it
    bot = _address(wallet_key)
    _, condition_id = _new_condition(local_chain)
    local_chain.mint_full_sets(bot, condition_id, 5_000_000)
    lossy_url, fault = lossy_rpc
    fault["mode"] = "before"
    lossy_w3 = AsyncWeb3(AsyncHTTPProvider(lossy_url, exception_retry_configuration=None))
    doomed = _gateway(lossy_w3, wallet_key, local_chain, FileIntentStore(tmp_path), NO_RETRY)
    with pytest.raises(SendOutcomeUnknown):
        await doomed.merge(condition_id, 2_000_000, intent_id="w1:merge:1")
    await lossy_w3.provider.disconnect()
    assert local_chain.outcome_balances(bot, condition_id) == (5_000_000, 5_000_000)

    # Act
    restarted = _gateway(w3, wallet_key, local_chain, FileIntentStore(tmp_path))
    result = await restarted.merge(condition_id, 2_000_000, intent_id="w1:merge:1")

    # Assert: the same signed bytes were broadcast once; no second transaction was made
    assert result.merged_micro == 2_000_000
    assert local_chain.outcome_balances(bot, condition_id) == (3_000_000, 3_000_000)
    assert local_chain.collateral_balance(bot) == 2_000_000


async def test_a_merge_never_takes_more_than_the_full_sets_held(
    local_chain: LocalChain, w3: AsyncWeb3[Any], wallet_key: SecretStr
) -> None:
    # Arrange: 3 Up but only 1 Down held (the chain signs the bot's transfer away of 2 Down)
    bot = local_chain.add_account(bytes.fromhex(wallet_key.get_secret_value().removeprefix("0x")))
    stranger, _ = local_chain.new_account()
    _, condition_id = _new_condition(local_chain)
    local_chain.mint_full_sets(bot, condition_id, 3_000_000)
    local_chain.transfer_position(bot, stranger, local_chain.position_id(condition_id, 1), 2_000_000)
    gateway = _gateway(w3, wallet_key, local_chain, MemoryIntentStore())

    # Act
    result = await gateway.merge(condition_id, 10_000_000, intent_id="w1:merge:all")

    # Assert
    assert result.merged_micro == 1_000_000
    assert await gateway.balances(condition_id) == (2_000_000, 0)


async def test_a_redeem_before_resolution_or_after_it_was_done_does_nothing(
    local_chain: LocalChain, w3: AsyncWeb3[Any], wallet_key: SecretStr
) -> None:
    # Arrange
    bot = _address(wallet_key)
    question_id, condition_id = _new_condition(local_chain)
    local_chain.mint_full_sets(bot, condition_id, 1_000_000)
    gateway = _gateway(w3, wallet_key, local_chain, MemoryIntentStore())

    # Act
    early = await gateway.redeem(condition_id)
    local_chain.report_payouts(question_id, winning_index=0)
    done = await gateway.redeem(condition_id)
    again = await gateway.redeem(condition_id)

    # Assert
    assert early.payout_micro == 0 and early.tx_hash is None and early.remaining == (1_000_000, 1_000_000)
    assert done.payout_micro == 1_000_000
    assert again.payout_micro == 0 and again.tx_hash is None and again.redeemed_total_micro == 1_000_000
    assert local_chain.collateral_balance(bot) == 1_000_000


async def test_a_redeem_with_the_wrong_collateral_is_caught_as_a_silent_no_op(
    local_chain: LocalChain, w3: AsyncWeb3[Any], wallet_key: SecretStr
) -> None:
    # Arrange: the §8.3 pitfall, forced past the configuration check (a token nobody's positions use)
    bot = _address(wallet_key)
    question_id, condition_id = _new_condition(local_chain)
    local_chain.mint_full_sets(bot, condition_id, 1_000_000)
    local_chain.report_payouts(question_id, winning_index=0)
    wrong = ChainContracts.model_construct(
        ctf=local_chain.ctf_address,
        target=local_chain.ctf_address,
        collateral_argument=local_chain.operator,
        position_collateral=local_chain.collateral_address,
        payout_token=local_chain.collateral_address,
    )
    gateway = EoaGateway(w3, wallet_key, wrong, MemoryIntentStore(), chain_id=137, settings=FAST)

    # Act / Assert
    with pytest.raises(RedeemNoOp):
        await gateway.redeem(condition_id)
    assert local_chain.outcome_balances(bot, condition_id) == (1_000_000, 1_000_000)


async def test_a_gateway_configured_for_another_chain_refuses_to_send(
    local_chain: LocalChain, w3: AsyncWeb3[Any], wallet_key: SecretStr
) -> None:
    # Arrange
    _, condition_id = _new_condition(local_chain)
    gateway = _gateway(w3, wallet_key, local_chain, MemoryIntentStore(), chain_id=80002)

    # Act / Assert
    with pytest.raises(ChainConfigError):
        await gateway.merge(condition_id, 1, intent_id="wrong-chain")


@pytest.mark.slow
async def test_merge_latency_through_json_rpc_is_measured(
    local_chain: LocalChain, w3: AsyncWeb3[Any], wallet_key: SecretStr
) -> None:
    # Arrange
    bot = _address(wallet_key)
    _, condition_id = _new_condition(local_chain)
    rounds = 20
    local_chain.mint_full_sets(bot, condition_id, rounds * 1_000_000)
    gateway = _gateway(w3, wallet_key, local_chain, MemoryIntentStore())
    await gateway.balances(condition_id)

    # Act: each merge is a fresh intent: plan, estimate, sign, send, receipt
    latencies_ms = []
    for i in range(rounds):
        started = time.perf_counter()
        await gateway.merge(condition_id, 1_000_000, intent_id=f"latency:{i}")
        latencies_ms.append((time.perf_counter() - started) * 1000)

    # Assert
    p50 = statistics.median(latencies_ms)
    print(f"merge via JSON-RPC: p50 {p50:.1f} ms, max {max(latencies_ms):.1f} ms over {rounds}")
    assert local_chain.outcome_balances(bot, condition_id) == (0, 0)
    assert p50 < 2_000


async def test_an_adapter_target_is_approved_for_our_tokens_once(
    local_chain: LocalChain, w3: AsyncWeb3[Any], wallet_key: SecretStr
) -> None:
    # Arrange: a stand-in adapter address (any contract other than the CTF gets the approval)
    bot = _address(wallet_key)
    adapter, _ = local_chain.new_account(gas_wei=0)
    contracts = ChainContracts(
        ctf=local_chain.ctf_address,
        target=adapter,
        collateral_argument=local_chain.collateral_address,
        position_collateral=local_chain.collateral_address,
        payout_token=local_chain.collateral_address,
    )
    gateway = EoaGateway(w3, wallet_key, contracts, MemoryIntentStore(), chain_id=137, settings=FAST)

    # Act
    first = await gateway.ensure_target_approved()
    second = await gateway.ensure_target_approved()

    # Assert
    assert first is not None and second is None
    assert local_chain.ctf.functions.isApprovedForAll(bot, adapter).call() is True
