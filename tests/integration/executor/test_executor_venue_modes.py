"""The executor under the venue's restricted modes, each forced on the real emulator (``/sim/faults``):

- cancel-only (503): nothing is posted while it lasts, cancels keep going out, the mode is on the
  executor's status and raised once on ``alerts``, and the new ladder goes up once it ends;
- post-only (503 ``post_only_mode``): the post-only ladder keeps moving, our takers are held back
  after the first refusal instead of being sent with every intent;
- engine restart (425): the refused orders are "not sent" (neither rejected nor cancelled quotes),
  and the ladder goes up once the engine answers again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from common.bus import streams
from common.bus.codec import decode
from common.schemas.intent import Intent, TakerOrder
from common.schemas.ops import VENUE_RESTRICTED, AlertRaised
from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.integration.emulator import QUIET_5M, emulator
from tests.integration.executor.harness import (
    EXECUTOR,
    Quoter,
    current_market,
    exec_status,
    make_intent,
    publish_intent,
    reports,
    resting,
    user_feed_up,
    wallet_env,
    wanted,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
#: The executor's waits in a restricted mode, shortened so that a test sees several probes.
FAST_MODES = {"UPDOWN_EXECUTOR__VENUE_MODE_RETRY_INITIAL_MS": "500", "UPDOWN_EXECUTOR__VENUE_MODE_RETRY_MAX_MS": "2000"}
FIRST, MOVED = (400_000, 390_000), (420_000, 390_000)


def force(url: str, kind: str, duration_ms: int) -> None:
    httpx.post(f"{url}/sim/faults/{kind}", params={"duration_ms": duration_ms}, timeout=5).raise_for_status()


def refused(url: str, kind: str) -> int:
    return int(httpx.get(f"{url}/sim/faults", timeout=5).json()["refused"].get(kind, 0))


def alerts(client: redis.Redis) -> list[AlertRaised]:
    bodies = [decode(fields).body for _, fields in client.xrange(streams.ALERTS)]
    return [b for b in bodies if isinstance(b, AlertRaised) and b.kind == VENUE_RESTRICTED]


def restrictions(client: redis.Redis) -> list[str]:
    return list(exec_status(client).get("venue_restrictions", []))


def with_taker(intent: Intent, market: dict[str, Any]) -> Intent:
    """The intent with one completion taker: a FAK BUY of Up at a cap nothing is offered under."""
    taker = TakerOrder(kind="completion", outcome="UP", token_id=market["token_ids"][0], price_cap_micro=20_000,
                       size_micro=5_000_000, order_type="FAK", edge_micro=0)  # fmt: skip
    return intent.model_copy(update={"takers": (taker,)})


@contextmanager
def quoting(tmp_path: Path, redis_url: str, **waits: str) -> Iterator[tuple[redis.Redis, str, str, dict[str, Any]]]:
    """The emulator and the executor, the first ladder resting: (redis, url, api key, market)."""
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, *QUIET_5M) as url:
        env, api_key = wallet_env(tmp_path, url)
        market = current_market(url)
        user_feed_up(client)
        proc = start_worker(EXECUTOR, redis_url, tmp_path, "executor-0", **env, **{**FAST_MODES, **waits})
        try:
            publish_intent(client, make_intent(market, FIRST))
            wait_for(lambda: resting(url, api_key) == wanted(market, FIRST), 20, "the first ladder")
            yield client, url, api_key, market
        finally:
            assert stop(proc) == 0


def test_cancel_only_posts_nothing_keeps_cancelling_says_so_and_resumes(redis_url: str, tmp_path: Path) -> None:
    with quoting(tmp_path, redis_url) as (client, url, api_key, market):
        force(url, "cancel_only_mode", 8_000)
        with Quoter(client, url, api_key, period_s=0.3) as quoter:
            quoter.want(market, MOVED)
            # level 0 moved: its old orders are cancelled, the new ones are not posted meanwhile
            wait_for(lambda: resting(url, api_key) == wanted(market, (390_000,)), 10, "level 0 pulled")
            wait_for(lambda: restrictions(client) == ["cancel_only"], 10, "cancel_only on the status")
            assert refused(url, "cancel_only_mode") >= 1
            wait_for(lambda: resting(url, api_key) == wanted(market, MOVED), 25, "the moved ladder, after")
            wait_for(lambda: restrictions(client) == [], 10, "the status cleared")
    raised = alerts(client)
    assert [(a.subject, a.severity) for a in raised] == [("cancel_only", "warning")]
    refusals = [r for r in reports(client) if "cancel-only" in r.reason]
    assert refusals and all(r.kind == "not_sent" for r in refusals)
    assert not [r for r in reports(client) if r.kind == "rejected"]


def test_post_only_mode_holds_back_our_takers_and_the_post_only_ladder_goes_on(redis_url: str, tmp_path: Path) -> None:
    waits = {"UPDOWN_EXECUTOR__VENUE_MODE_RETRY_MAX_MS": "4000"}  # 0.5, 1, 2, 4 s
    with quoting(tmp_path, redis_url, **waits) as (client, url, api_key, market):
        force(url, "post_only_mode", 20_000)
        started_ms = int(time.time() * 1000)
        deadline, ladders, sent = time.monotonic() + 6.0, (MOVED, FIRST), 0
        while time.monotonic() < deadline:  # a new intent with a taker every 0.3 s, the ladder moving
            publish_intent(client, with_taker(make_intent(market, ladders[sent % 2]), market))
            sent += 1
            time.sleep(0.3)
        ended_ms = int(time.time() * 1000)
        wait_for(lambda: resting(url, api_key) == wanted(market, ladders[(sent - 1) % 2]), 10,
                 "the post-only ladder moved during post-only mode")  # fmt: skip
        assert restrictions(client) == ["post_only"]
        publish_intent(client, make_intent(market, ()))
        wait_for(lambda: not resting(url, api_key), 10, "every order cancelled")
        taker_refusals = refused(url, "post_only_mode")
    assert sent >= 15
    # The first taker batch finds out; the next ones wait 0.5, 1 and 2 s (then 4 s, past the 6 s):
    # at most 4 refusals, not one per intent.
    assert 1 <= taker_refusals <= 4, taker_refusals
    # Meanwhile the ladder's level 0 is replaced at the intents: the makers are not held back.
    moved = [r for r in reports(client) if r.kind == "placed" and r.level == 0 and started_ms <= r.at_ms <= ended_ms]
    assert len(moved) >= sent // 2, (len(moved), sent)
    assert [a.subject for a in alerts(client)] == ["post_only"]
    assert not [r for r in reports(client) if r.kind == "rejected"]


def test_an_engine_restart_refuses_orders_as_not_sent_and_the_ladder_goes_up_after(
        redis_url: str, tmp_path: Path) -> None:  # fmt: skip
    with quoting(tmp_path, redis_url) as (client, url, api_key, market):
        force(url, "engine_restart", 3_000)
        with Quoter(client, url, api_key, period_s=0.3) as quoter:
            quoter.want(market, MOVED)
            wait_for(lambda: "restarting" in restrictions(client), 10, "restarting on the status")
            wait_for(lambda: resting(url, api_key) == wanted(market, MOVED), 20, "the moved ladder, after")
            wait_for(lambda: restrictions(client) == [], 10, "the status cleared")
    refusals = [r for r in reports(client) if r.reason.startswith("not sent: 425")]
    assert refusals, "no submit met the restart: the test shows nothing"
    assert all(r.kind == "not_sent" for r in refusals)
    assert not [r for r in reports(client) if r.kind == "rejected"]
    assert [a.subject for a in alerts(client)] == ["restarting"]
