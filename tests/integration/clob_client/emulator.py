"""The emulator's CLOB on a loopback port inside the test's loop, optionally behind its fault middleware.

Built as ``tests/integration/sim_api/harness.py`` builds it (their market, their clock), plus the
emulator's own REST fault middleware so that a test can force a 429 burst or an ambiguous submit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestServer
from eth_account import Account
from pydantic import SecretStr

from common.clob.auth import L1Signer
from common.clob.client import AsyncClobClient
from common.clob.signing import OrderSigner
from common.clock import SystemClock
from sim.api import ApiSettings, add_clob_routes
from sim.exchange import Exchange, ExchangeConfig
from sim.faults import FaultProfile, Faults, rest_fault_middleware
from tests.integration.sim_api.harness import Clock
from tests.integration.sim_api.server import market_spec


@dataclass
class Emulator:
    server: TestServer
    exchange: Exchange
    clock: Clock
    faults: Faults

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


async def start_emulator(config: ExchangeConfig | None = None, settings: ApiSettings | None = None,
                         seed: int = 5) -> Emulator:  # fmt: skip
    clock = Clock()
    exchange = Exchange(clock, random.Random(seed), config or ExchangeConfig(taker_delay_ms=0))  # takers at once
    exchange.add_market(market_spec())
    faults = Faults(FaultProfile("forced-only"), seed, lambda: int(clock() * 1000))
    app = web.Application(middlewares=[rest_fault_middleware(faults)])
    add_clob_routes(app, exchange, settings or ApiSettings(auth_skew_s=3_600))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return Emulator(server, exchange, clock, faults)


def new_wallet(rng_seed: int = 11) -> tuple[OrderSigner, L1Signer]:
    key = SecretStr(Account.create().key.hex())
    return OrderSigner(key, chain_id=137, rng=random.Random(rng_seed)), L1Signer(key, 137)


async def connected_client(emulator: Emulator, timeout_s: float = 5.0) -> tuple[AsyncClobClient, OrderSigner]:
    signer, l1 = new_wallet()
    client = AsyncClobClient(emulator.url, SystemClock(), address=signer.address, l1=l1, timeout_s=timeout_s)
    await client.create_or_derive_api_key()
    return client, signer
