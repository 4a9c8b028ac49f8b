"""The executor under the emulator's fault profiles: ambiguous submits and 429 bursts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import redis

from common.schemas.exec import ExecReport
from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.integration.emulator import emulator
from tests.integration.executor.harness import (
    EXECUTOR,
    Quoter,
    current_market,
    reports,
    resting,
    sim_orders,
    user_feed_up,
    wallet_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
LADDERS = ((400_000, 390_000, 380_000), (410_000, 395_000, 370_000))
CHURN_S = 15.0


Outcome = tuple[list[dict[str, Any]], list[ExecReport], list[str]]


def churn(tmp_path: Path, redis_url: str, faults: str, seed: int) -> Outcome:
    """Replace a three-level ladder on both outcomes every 0.3 s for ``CHURN_S``, then want nothing."""
    client = redis.Redis.from_url(redis_url)
    args = ("--series", "btc-5m", "--no-traders", "--no-chain", "--seed", str(seed), "--faults", faults)
    with emulator(tmp_path, *args) as url:
        env, api_key = wallet_env(tmp_path, url)
        market = current_market(url)
        user_feed_up(client)
        with Quoter(client, url, api_key, period_s=0.3) as quoter:
            quoter.want(market, *LADDERS)
            proc = start_worker(EXECUTOR, redis_url, tmp_path, "executor-0", **env)
            try:
                time.sleep(CHURN_S)
                quoter.want(market, ())
                wait_for(lambda: not resting(url, api_key), 15, "every order cancelled")
            finally:
                assert stop(proc) == 0
        assert not resting(url, api_key)
        return sim_orders(url, api_key), reports(client), [*quoter.doubled, _orders_unique(url, api_key)]


def _orders_unique(url: str, api_key: str) -> str:
    ids = [o["order_id"] for o in sim_orders(url, api_key)]
    return "" if len(ids) == len(set(ids)) else "an order id twice in the emulator's record"


def test_under_ambiguous_submits_no_order_is_sent_twice_and_no_slot_is_signed_again_while_unresolved(
    redis_url: str, tmp_path: Path
) -> None:
    # seed 5: the emulator's 13th, 27th and 38th accepted submits lose their answer (502 or a drop)
    orders, got, problems = churn(tmp_path, redis_url, "ambiguous", seed=5)
    assert [p for p in problems if p] == []
    unknown = [r for r in got if r.kind == "unknown"]
    assert unknown, "the fault profile produced no ambiguous submit: the test shows nothing"
    resolved_at: dict[str, int] = {}  # when its fate was first known (a replace may follow at once)
    for r in got:
        if r.kind in ("resolved", "cancelled", "filled"):
            resolved_at.setdefault(r.order_id, r.at_ms)
    for u in unknown:
        assert u.order_id in resolved_at, f"unknown order {u.order_id} never resolved"
        slot = (u.token_id, u.side, u.level)
        again = [r for r in got if r.kind in ("placed", "unknown") and r.order_id != u.order_id
                 and (r.token_id, r.side, r.level) == slot and u.sent_ms <= (r.sent_ms or 0) < resolved_at[u.order_id]]  # type: ignore[operator]  # fmt: skip
        assert again == [], f"slot {slot} signed again while {u.order_id} was unresolved"
    ours = {o["order_id"] for o in orders}
    assert {u.order_id for u in unknown} & ours, "no ambiguous submit landed on the book"


def test_under_rate_limit_bursts_cancels_still_go_out(redis_url: str, tmp_path: Path) -> None:
    # seed 22: the emulator's seeded 429 bursts start at its 26th, 34th and 83rd CLOB request
    _, got, problems = churn(tmp_path, redis_url, "rate-limit", seed=22)
    assert [p for p in problems if p] == []
    assert any(r.kind == "not_sent" and r.reason.startswith("not sent: 429") for r in got), "no post was refused"
    sim_log = (tmp_path / "sim.log").read_text()
    assert sim_log.count("HTTP/1.1\" 429") >= 3, "no 429 burst happened: the test shows nothing"
