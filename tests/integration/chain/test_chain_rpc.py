"""The chain's JSON-RPC route, seen by web3's HTTP provider as any Ethereum node."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.exceptions import ContractLogicError

from common.chain.abi import POSITIONS_ABI
from sim.chain.local_chain import LocalChain
from sim.chain.rpc import add_rpc_route

pytestmark = pytest.mark.integration


async def test_web3_reads_the_chain_id_blocks_nonces_and_balances(local_chain: LocalChain, w3: AsyncWeb3[Any]) -> None:
    # Arrange
    holder, _ = local_chain.new_account(gas_wei=0)
    local_chain.fund(holder, 1_500_000, gas_wei=10**18)

    # Act
    chain_id = await w3.eth.chain_id
    block = await w3.eth.get_block("latest")
    balance = await w3.eth.get_balance(holder)
    nonce = await w3.eth.get_transaction_count(holder)
    code = await w3.eth.get_code(local_chain.ctf_address)
    fees = await w3.eth.fee_history(2, "latest", [50])

    # Assert
    assert chain_id == 137
    assert block["number"] == await w3.eth.block_number
    assert balance == 10**18
    assert nonce == 0
    assert len(code) > 1_000
    assert len(fees["baseFeePerGas"]) == 3


async def test_a_call_that_reverts_comes_back_as_a_contract_logic_error_with_its_reason(
    local_chain: LocalChain, w3: AsyncWeb3[Any]
) -> None:
    # Arrange: merging in a condition that was never prepared
    ctf = w3.eth.contract(address=local_chain.ctf_address, abi=POSITIONS_ABI)
    call = ctf.functions.mergePositions(local_chain.collateral_address, b"\x00" * 32, os.urandom(32), [1, 2], 1)

    # Act / Assert
    with pytest.raises(ContractLogicError, match="condition not prepared yet"):
        await call.estimate_gas({"from": local_chain.operator})


async def test_web3_finds_the_transaction_and_the_event_of_a_prepared_condition(
    local_chain: LocalChain, w3: AsyncWeb3[Any]
) -> None:
    # Arrange
    start = await w3.eth.block_number
    question_id = os.urandom(32)

    # Act
    condition_id = local_chain.prepare_condition(question_id)
    block = await w3.eth.get_block("latest", full_transactions=False)
    transaction = await w3.eth.get_transaction(block["transactions"][0])
    logs = await w3.eth.get_logs({"address": local_chain.ctf_address, "fromBlock": start + 1})

    # Assert
    assert transaction["from"] == local_chain.operator and transaction["to"] == local_chain.ctf_address
    assert transaction["chainId"] == 137
    assert [bytes(log["topics"][1]) for log in logs] == [condition_id]


async def test_unknown_methods_and_batches_get_json_rpc_answers(rpc_url: str) -> None:
    # Arrange
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_mining", "params": []},
        {"jsonrpc": "2.0", "id": 3, "method": "net_version", "params": []},
    ]

    # Act
    async with aiohttp.ClientSession() as session, session.post(rpc_url, json=batch) as response:
        answers = await response.json()

    # Assert
    assert answers[0] == {"jsonrpc": "2.0", "id": 1, "result": "0x89"}
    assert answers[1]["error"]["code"] == -32601
    assert answers[2]["result"] == "137"


async def test_the_route_can_run_the_evm_on_a_dedicated_thread(local_chain: LocalChain) -> None:
    # Arrange
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chain")
    app = web.Application()
    add_rpc_route(app, local_chain, executor=executor)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    w3 = AsyncWeb3(AsyncHTTPProvider(f"http://127.0.0.1:{runner.addresses[0][1]}/chain/rpc"))

    try:
        # Act
        chain_id = await w3.eth.chain_id
        code = await w3.eth.get_code(local_chain.collateral_address)
    finally:
        await w3.provider.disconnect()
        await runner.cleanup()
        executor.shutdown()

    # Assert
    assert chain_id == 137
    assert len(code) > 1_000
