"""Pick a discovered window to trade in, without racing the clock to its end."""

from __future__ import annotations

import time

import redis

from common import state
from common.schemas.market import MarketRecord
from tests.integration.bus.procs import wait_for


def lasting(client: redis.Redis, lasting_s: float) -> MarketRecord | None:
    """A discovered window that is open now and stays open at least `lasting_s` more seconds."""
    now_ms = time.time() * 1000
    for raw in client.hvals(state.MARKETS):
        r = MarketRecord.model_validate_json(raw)
        if r.window_start_ms is not None and r.window_end_ms is not None \
                and r.window_start_ms <= now_ms < r.window_end_ms - lasting_s * 1000:  # fmt: skip
            return r
    return None


def open_window(client: redis.Redis, lasting_s: float) -> MarketRecord:
    """Wait for a window open long enough for a test's trading; near a window's end, that is the
    next window, once it opens."""
    found: list[MarketRecord] = []

    def ready() -> bool:
        record = lasting(client, lasting_s)
        found.extend([record] if record is not None else [])
        return record is not None

    wait_for(ready, timeout_s=lasting_s + 30, what=f"a window open for {lasting_s:g} s more")
    return found[-1]
