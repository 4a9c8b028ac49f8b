"""A trader changes size, levels and a limit in conf/ and sends ``reload``: the running quoter's next
intents follow. An invalid change is refused with the reason, and the quoter keeps quoting as before.

A real quoter process on a real redis-server, fed a market, positions from a running ledger and
signals; the configuration folder is the test's own copy of conf/ (``UPDOWN_CONF_DIR``).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis

from bench.feed_book import MARKET, SERIES, record
from common.bus import streams
from common.bus.codec import decode, encode
from common.clock import SYSTEM_CLOCK
from common.config.loader import DEFAULT_CONF_DIR
from common.runner import control
from common.schemas.intent import Intent
from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.unit.quoter_loop.test_quoter_risk_modes import account, position
from tests.unit.quoter_loop.test_user_feed_pull import signal_for

pytestmark = [pytest.mark.integration]

SIGNALS = streams.signal(SERIES)
INTENTS = streams.intent(SERIES)


def publish(r: redis.Redis, stream: str, body: object) -> None:
    now = int(time.time() * 1000)
    r.xadd(stream, encode(body, src="test", key=MARKET, event_ms=now, ingest_ms=now, emit_ms=now))  # type: ignore[arg-type]


def intents(r: redis.Redis) -> list[Intent]:
    return [decode(fields).body for _, fields in r.xrange(INTENTS)]  # type: ignore[misc]


def next_intent(r: redis.Redis) -> Intent:
    """Send a signal and return the intent the quoter makes of it."""
    before = r.xlen(INTENTS)
    m = record()
    publish(r, SIGNALS, signal_for(m.series or "", m.slug, m.window_end_ms or 0))
    wait_for(lambda: r.xlen(INTENTS) > before, what="an intent for the signal")
    return intents(r)[-1]


def level0_sizes(intent: Intent) -> set[int]:
    return {o.size_micro for o in intent.orders if o.level == 0}


def levels(intent: Intent) -> int:
    return len({o.level for o in intent.orders})


def configure(conf: Path, text: str) -> None:
    """What a trader does: edit the mode's file (the test's copy)."""
    (conf / "sim.toml").write_text((DEFAULT_CONF_DIR / "sim.toml").read_text() + "\n" + text)


def reload(redis_url: str) -> None:
    async def send() -> None:
        client = aioredis.Redis.from_url(redis_url)
        try:
            await control.issue(client, "reload", issued_by="test", reason="new strategy", clock=SYSTEM_CLOCK)
        finally:
            await client.aclose()

    asyncio.run(send())


def test_a_reloaded_strategy_reaches_the_next_intents_and_a_bad_one_is_refused(redis_url: str, tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    shutil.copytree(DEFAULT_CONF_DIR, conf)
    r = redis.Redis.from_url(redis_url)
    r.hset("health:ledger-0", mapping={"worker": "ledger", "instance": "ledger-0", "state": "running"})
    held = {MARKET: position(0, 0).model_dump_json(), "account": account().model_dump_json()}
    r.hset("state:positions", mapping=held)  # what a running ledger leaves
    publish(r, streams.MARKETS, record())
    proc = start_worker("quoter", redis_url, tmp_path, "quoter-0", UPDOWN_CONF_DIR=str(conf),
                        UPDOWN_SERIES='["btc-15m"]')  # fmt: skip
    try:
        wait_for(lambda: any(g["name"] == b"quoter" for g in _groups(r, SIGNALS)), timeout_s=30, what="the quoter up")
        wait_for(lambda: next_intent(r).orders != (), timeout_s=30, what="the quoter quoting")
        before = next_intent(r)
        assert levels(before) == 5 and level0_sizes(before) == {10_000_000}

        configure(conf, "[strategy.quoter]\nlevels = 2\nbase_size_micro = 6_000_000\n"
                        "[risk]\nmax_total_exposure_micro = 400_000_000\n")  # fmt: skip
        reload(redis_url)
        wait_for(lambda: levels(next_intent(r)) == 2, timeout_s=20, what="two levels after the reload")
        after = next_intent(r)
        assert level0_sizes(after) == {6_000_000}
        assert after.intent_id != before.intent_id

        log = tmp_path / "quoter-0.log"
        configure(conf, "[strategy.quoter]\nlevels = 0\n[risk]\nmax_unpaired_micro = 1\n")
        reload(redis_url)
        wait_for(lambda: log.read_text().count("reload_refused") == 1, what="the refusal logged")
        configure(conf, "[strategy.quoter\nlevels = 3\n")  # a typo: not TOML at all
        reload(redis_url)
        wait_for(lambda: log.read_text().count("reload_refused") == 2, what="the second refusal logged")

        still = next_intent(r)
        assert levels(still) == 2 and level0_sizes(still) == {6_000_000}
        assert "strategy.quoter.levels must be at least 1" in log.read_text()
        assert "not valid TOML" in log.read_text()
        assert proc.poll() is None and "loop_crashed" not in log.read_text()
    finally:
        stop(proc)


def _groups(r: redis.Redis, stream: str) -> list[dict[str, object]]:
    try:
        return r.xinfo_groups(stream)  # type: ignore[no-any-return]
    except redis.ResponseError:
        return []
