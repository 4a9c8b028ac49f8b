"""One local chain per module (deploying costs a fraction of a second); each test has its own market."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from sim.chain import artifacts
from sim.chain.local_chain import LocalChain


@pytest.fixture(scope="module")
def local_chain() -> Iterator[LocalChain]:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: the pinned ConditionalTokens/ERC-20 artifacts cannot be fetched")
    try:
        chain = LocalChain()
    except artifacts.NpmMissingError as exc:
        pytest.skip(str(exc))
    yield chain
