"""The control API page's sampler (``workers/control/page.py``): Redis failing does not stop it."""

from __future__ import annotations

import asyncio
from typing import Any

from common.top import view
from common.top.snapshot import Snapshot
from workers.control import page


class _Log:
    def __init__(self) -> None:
        self.events: list[str] = []

    def warning(self, event: str, **_: Any) -> None:
        self.events.append(event)

    def info(self, event: str, **_: Any) -> None:
        self.events.append(event)


async def test_reads_that_fail_are_said_once_and_the_views_flow_again_when_they_pass() -> None:
    feed, log, calls = page.Feed(), _Log(), iter(range(100))

    def read() -> view.View:
        n = next(calls)
        if n < 3:
            raise ConnectionError("redis away")
        return view.build(Snapshot(now_ms=n))

    sampler = asyncio.create_task(page._sample_forever(feed, read, 0.001, log))
    async with feed.changed:
        await asyncio.wait_for(feed.changed.wait_for(lambda: feed.tick >= 2), 10)
    sampler.cancel()

    assert log.events == ["page_read_failed", "page_read_recovered"]
    assert feed.view is not None and feed.view["now_ms"] >= 4 and feed.history.day[0][0] == 3
