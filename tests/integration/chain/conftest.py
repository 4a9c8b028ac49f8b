"""A local EVM with the real ConditionalTokens bytecode, and its JSON-RPC route on a loopback server."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from eth_account import Account
from pydantic import SecretStr
from web3 import AsyncHTTPProvider, AsyncWeb3

from sim.chain import artifacts, compiler
from sim.chain.local_chain import LocalChain
from sim.chain.rpc import add_rpc_route


@pytest.fixture(scope="session")
def _artifacts_ready() -> None:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: the pinned ConditionalTokens/ERC-20 artifacts and solc cannot be fetched")
    try:
        artifacts.load_artifact(artifacts.CTF)
        artifacts.load_artifact(artifacts.COLLATERAL)
        compiler.load_compiled(compiler.PROTOCOL_V2, "RouterLocal")  # compiled with solc-js from npm
    except artifacts.NpmMissingError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def local_chain(_artifacts_ready: None) -> Iterator[LocalChain]:
    # One chain per module (deploying costs about a second); tests use their own conditions.
    yield LocalChain()


@pytest.fixture
async def rpc_url(local_chain: LocalChain) -> AsyncIterator[str]:
    app = web.Application()
    add_rpc_route(app, local_chain)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/chain/rpc"
    await runner.cleanup()


@pytest.fixture
async def w3(rpc_url: str) -> AsyncIterator[AsyncWeb3[Any]]:
    web3 = AsyncWeb3(AsyncHTTPProvider(rpc_url))
    yield web3
    await web3.provider.disconnect()


@pytest.fixture
def wallet_key(local_chain: LocalChain) -> SecretStr:
    """A fresh bot wallet, generated (never pasted), with ETH for gas and no collateral."""
    account = Account.create()
    local_chain.fund(account.address, 0)
    return SecretStr(account.key.to_0x_hex())
