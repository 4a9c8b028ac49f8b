"""Integration tests start real processes: none may outlive its test, passing or failing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.bus.procs import reap


@pytest.fixture(autouse=True)
def no_process_left_behind() -> Iterator[None]:
    yield
    reap()
