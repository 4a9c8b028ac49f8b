"""The emulator's chain: the real ConditionalTokens bytecode behind LocalChain's few operator methods."""

from __future__ import annotations

import os

import pytest

from common.chain import ids as bot_ids
from sim.chain import ids as sim_ids
from sim.chain.local_chain import LocalChain

pytestmark = pytest.mark.integration


def test_position_ids_computed_in_python_equal_the_contracts_own(local_chain: LocalChain) -> None:
    # Arrange
    condition_id = local_chain.prepare_condition(os.urandom(32))
    ctf = local_chain.ctf.functions

    for outcome_index, index_set in enumerate((1, 2)):
        # Act
        collection = ctf.getCollectionId(b"\x00" * 32, condition_id, index_set).call()
        on_chain = ctf.getPositionId(local_chain.collateral_address, collection).call()

        # Assert: the emulator's and the bot's independent implementations both match the contract
        assert sim_ids.collection_id(condition_id, index_set) == collection
        assert local_chain.position_id(condition_id, outcome_index) == on_chain
        assert bot_ids.position_id(local_chain.collateral_address, condition_id, index_set) == on_chain


def test_the_condition_id_is_the_contracts_for_the_operator_as_oracle(local_chain: LocalChain) -> None:
    # Arrange
    question_id = os.urandom(32)

    # Act
    condition_id = local_chain.prepare_condition(question_id)

    # Assert
    expected = local_chain.ctf.functions.getConditionId(local_chain.operator, question_id, 2).call()
    assert condition_id == expected
    assert local_chain.ctf.functions.getOutcomeSlotCount(condition_id).call() == 2


def test_minting_full_sets_gives_both_outcomes_and_locks_the_collateral_in_the_ctf(
    local_chain: LocalChain,
) -> None:
    # Arrange
    buyer, _ = local_chain.new_account()
    condition_id = local_chain.prepare_condition(os.urandom(32))
    locked_before = local_chain.collateral_balance(local_chain.ctf_address)

    # Act
    local_chain.mint_full_sets(buyer, condition_id, 2_500_000)

    # Assert
    assert local_chain.outcome_balances(buyer, condition_id) == (2_500_000, 2_500_000)
    assert local_chain.collateral_balance(buyer) == 0
    assert local_chain.collateral_balance(local_chain.ctf_address) == locked_before + 2_500_000


def test_a_trade_settles_by_moving_one_outcome_between_accounts_the_chain_knows(
    local_chain: LocalChain,
) -> None:
    # Arrange
    seller, _ = local_chain.new_account()
    buyer, _ = local_chain.new_account()
    condition_id = local_chain.prepare_condition(os.urandom(32))
    local_chain.mint_full_sets(seller, condition_id, 3_000_000)
    up = local_chain.position_id(condition_id, 0)

    # Act
    local_chain.transfer_position(seller, buyer, up, 1_000_000)
    local_chain.fund(buyer, 700_000)
    local_chain.transfer_collateral(buyer, seller, 700_000)

    # Assert
    assert local_chain.outcome_balances(seller, condition_id) == (2_000_000, 3_000_000)
    assert local_chain.outcome_balances(buyer, condition_id) == (1_000_000, 0)
    assert local_chain.collateral_balance(seller) == 700_000


def test_reporting_payouts_records_the_winner_for_the_operator_as_oracle(local_chain: LocalChain) -> None:
    # Arrange
    question_id = os.urandom(32)
    condition_id = local_chain.prepare_condition(question_id)
    assert local_chain.payouts(condition_id) == ((0, 0), 0)

    # Act
    local_chain.report_payouts(question_id, winning_index=1)

    # Assert
    assert local_chain.payouts(condition_id) == ((0, 1), 1)


def test_the_chains_own_transactions_are_timed(local_chain: LocalChain) -> None:
    # Arrange
    recorded = len(local_chain.tx_latencies_ms)

    # Act
    local_chain.prepare_condition(os.urandom(32))

    # Assert
    latencies = local_chain.tx_latencies_ms
    assert len(latencies) == min(recorded + 1, 1024)
    assert 0 < latencies[-1] < 5_000
