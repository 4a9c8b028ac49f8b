"""Redis goes away under a trading executor: heartbeats and stale-intent cancels go on, and it comes back.

The evidence is the emulator's own record: its access log (``sim.log``) has a line per request it
answered, with the status, so the lines written while Redis was down are what the venue saw then.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import redis

from common.redis_server import EmbeddedRedis
from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.integration.emulator import QUIET_5M, emulator
from tests.integration.executor.harness import (
    EXECUTOR,
    INTENT_STREAM,
    current_market,
    make_intent,
    publish_intent,
    resting,
    user_feed_up,
    wallet_env,
)
from tests.integration.executor.harness import wanted as wanted_of

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PRICES = (400_000, 390_000)
#: The last intent before the outage is valid this long: it goes stale while Redis is down.
SHORT_VALID_MS = 1_500
#: Beats the venue must accept while Redis is down (one every 4 s: the dead-man's 10 s would pass).
BEATS_WHILE_DOWN = 3
HEARTBEAT_OK = re.compile(r'"POST /v1/heartbeats HTTP/1\.1" 200 ')
HEARTBEAT_REFUSED = re.compile(r'"POST /v1/heartbeats HTTP/1\.1" 4\d\d ')
CANCEL = re.compile(r'"DELETE /(orders|order|cancel-market-orders|cancel-all) HTTP/1\.1" 200 ')


class VenueLog:
    """The emulator's access log from a mark on."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._start = 0
        self._end: int | None = None

    def mark(self) -> None:
        self._start, self._end = self._path.stat().st_size, None

    def close(self) -> None:
        self._end = self._path.stat().st_size

    def count(self, pattern: re.Pattern[str]) -> int:
        with open(self._path, "rb") as f:
            f.seek(self._start)
            text = f.read(None if self._end is None else self._end - self._start).decode(errors="replace")
        return len(pattern.findall(text))


def intents_taken(client: redis.Redis) -> bool:
    last = client.xinfo_stream(INTENT_STREAM)["last-generated-id"]
    groups = client.xinfo_groups(INTENT_STREAM)
    return bool(groups) and all(g["pending"] == 0 and g["last-delivered-id"] == last for g in groups)


def test_heartbeats_and_stale_intent_cancels_go_on_while_redis_is_down_and_trading_resumes_after(
    tmp_path: Path,
) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        client = redis.Redis.from_url(server.url)
        with emulator(tmp_path, *QUIET_5M) as url:
            env, api_key = wallet_env(tmp_path, url)
            market = current_market(url)
            wanted = wanted_of(market, PRICES)
            user_feed_up(client)
            proc = start_worker(EXECUTOR, server.url, tmp_path, "executor-0",
                                UPDOWN_REDIS__RECONNECT_MAX_MS="500", **env)  # fmt: skip
            venue = VenueLog(tmp_path / "sim.log")
            try:
                publish_intent(client, make_intent(market, PRICES))
                wait_for(lambda: resting(url, api_key) == wanted, 30, "the ladder")
                # The same ladder again, but valid only a moment: nothing changes until it goes stale.
                publish_intent(client, make_intent(market, PRICES, valid_ms=SHORT_VALID_MS))
                wait_for(lambda: intents_taken(client), 10, "the short-lived intent taken")

                # Arrange: Redis goes away.
                venue.mark()
                server.stop()

                # Act / Assert: the venue keeps hearing from us while Redis is down.
                wait_for(lambda: not resting(url, api_key), 30, "the stale ladder cancelled")
                wait_for(lambda: venue.count(HEARTBEAT_OK) >= BEATS_WHILE_DOWN, 30, "beats while Redis is down")
                venue.close()
                assert venue.count(CANCEL) >= 1, "the stale ladder was not cancelled by us (the dead-man did it?)"
                assert venue.count(HEARTBEAT_REFUSED) == 0, "the heartbeat chain lapsed while Redis was down"
                assert proc.poll() is None, "the executor died while Redis was away"

                # Redis is back: beats go on, and a fresh intent trades again.
                server.start()
                client = redis.Redis.from_url(server.url)
                user_feed_up(client)
                venue.mark()
                wait_for(lambda: venue.count(HEARTBEAT_OK) >= 2, 30, "beats after Redis came back")
                publish_intent(client, make_intent(market, PRICES))
                wait_for(lambda: resting(url, api_key) == wanted, 30, "the ladder after the outage")
                assert venue.count(HEARTBEAT_REFUSED) == 0
            finally:
                code = stop(proc)
            assert code == 0
            assert not resting(url, api_key)
    finally:
        server.stop()
