"""Integration tests start real processes: none may outlive its test, passing or failing.

Under pytest-xdist (``make test`` runs ``-n 2 --dist loadgroup``) the tests that start the whole bot
run one after another on one worker: ``updown run`` and ``updown soak`` bind fixed ports (the
emulator's 18080, the metrics ports 9101+, the control API's 8788) and share the repository's
``var/``, and the every-stage restart runs fourteen workers at once. Everything else has its own
ports (``free_port``), Redis (one per xdist worker, tests/conftest.py) and temporary directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.nodeid import coerce_node_id

from tests.integration.bus.procs import reap

#: The xdist group of the whole-bot tests: one worker runs them all, one at a time.
WHOLE_BOT_GROUP = "whole-bot"
#: The directories (under tests/integration) of the tests that start the whole bot (bench_series:
#: `updown bench series` runs it).
WHOLE_BOT_DIRS = ("console", "soak", "restart", "bench_series")
HERE = Path(__file__).parent


@pytest.hookimpl(trylast=True)  # after xdist's own hook, which would add the group to the node id
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    whole_bot = {HERE / name for name in WHOLE_BOT_DIRS}
    for item in items:
        if item.path.parent in whole_bot:
            item.add_marker(pytest.mark.xdist_group(WHOLE_BOT_GROUP))
            if getattr(config.option, "loadgroup", False) and "@" not in item.nodeid:
                # xdist 3.8 groups by a "@group" suffix it writes into ``item._nodeid``, which
                # pytest 9 no longer reads (the id is ``item._id``): without this the group is
                # ignored and two whole-bot runs go at once on the fixed ports (seen in CI).
                item._id = coerce_node_id(f"{item.nodeid}@{WHOLE_BOT_GROUP}")


@pytest.fixture(autouse=True)
def no_process_left_behind() -> Iterator[None]:
    yield
    reap()
