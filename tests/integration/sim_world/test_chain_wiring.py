"""The world driving the real local chain (py-evm, real ConditionalTokens bytecode): every window's
condition is prepared on chain with the CLOB's ids, and resolution reports the world's winner."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sim.chain.local_chain import LocalChain
from sim.server import ServerConfig, SimServer, chain_listener
from sim.world.clock import SimClock
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.trader_config import TraderConfig

pytestmark = pytest.mark.integration

START_MS = 1_790_000_100_000


def test_windows_are_prepared_and_resolved_on_the_local_chain_with_the_clobs_token_ids():
    # Arrange
    chain = LocalChain()
    world = WorldConfig(seed=3, series=(SeriesConfig("btc", 60),), oracle_address=chain.operator,
                        collateral_address=chain.collateral_address)
    cfg = ServerConfig(world=world, traders=replace(TraderConfig(), enabled=False))
    clock = SimClock(START_MS)
    server = SimServer(cfg, clock, action_listeners=[chain_listener(chain)])
    first = min(server.world.windows(), key=lambda w: w.start_s)
    condition = bytes.fromhex(first.ids.condition_id[2:])
    holder, _ = chain.new_account()

    # Act
    chain.mint_full_sets(holder, condition, 7_000_000)
    for _ in range(60 + 20):
        clock.advance_ms(1000)
        server.step()

    # Assert
    assert first.ids.token_ids == tuple(str(chain.position_id(condition, i)) for i in (0, 1))
    assert chain.outcome_balances(holder, condition) == (7_000_000, 7_000_000)
    assert first.resolved
    numerators, denominator = chain.payouts(condition)
    assert denominator == 1
    assert numerators == ((1, 0) if first.winner == 0 else (0, 1))
