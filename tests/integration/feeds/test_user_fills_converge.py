"""Our fills on ``fills`` converge on the emulator's record of our trades, whatever happened to
feed-user (killed while trades matched) or to Redis (away while a fill frame came in).

feed-user and discovery run as real processes against the real emulator and a real Redis; the
trades are made with the official client, our account resting and taking.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
import redis
from eth_account import Account
from py_clob_client_v2 import ClobClient

from cli.keys import derive_credentials, write_secret
from common import state
from common.bus import streams
from common.bus.codec import decode
from common.config import load_settings
from common.redis_server import EmbeddedRedis
from common.schemas.user import Fill
from tests.integration.bus.procs import start_worker, stop, stop_all, wait_for
from tests.integration.emulator import QUIET_5M, emulator, venue_env
from tests.integration.feeds.test_feeds_against_the_emulator import post as buy
from tests.integration.feeds.test_feeds_against_the_emulator import trader
from tests.integration.windows import open_window

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SERIES = '["btc-5m"]'


def client_for(url: str, key: str) -> ClobClient:
    client = ClobClient(url, chain_id=137, key=key)
    client.set_api_creds(client.create_or_derive_api_key())
    return client


def our_trades(url: str, api_key: str) -> dict[tuple[str, str], str]:
    """(trade id, order id) → status of every fill of ours in the emulator's own record."""
    trades = httpx.get(f"{url}/sim/trades", params={"api_key": api_key}, timeout=5).json()["trades"]
    ours: dict[tuple[str, str], str] = {}
    for trade in trades:
        if trade["taker_owner"] == api_key:
            ours[(trade["trade_id"], trade["taker_order_id"])] = trade["status"]
        for maker in trade["makers"]:
            if maker["owner"] == api_key:
                ours[(trade["trade_id"], maker["order_id"])] = trade["status"]
    return ours


def published(client: redis.Redis) -> list[Fill]:
    return [decode(fields).body for _, fields in client.xrange(streams.FILLS)]  # type: ignore[misc]


def latest_status(fills: list[Fill]) -> dict[tuple[str, str], str]:
    rank = {"MATCHED": 0, "MINED": 1, "RETRYING": 1, "CONFIRMED": 2, "FAILED": 2}
    latest: dict[tuple[str, str], str] = {}
    for fill in fills:
        key = (fill.trade_id, fill.order_id)
        if key not in latest or rank[fill.status] > rank[latest[key]]:
            latest[key] = fill.status
    return latest


def user_feed(client: redis.Redis) -> str | None:
    raw = client.hget(state.FEEDS, "user")
    return None if raw is None else str(json.loads(raw)["state"])


def wallet(tmp_path: Path, url: str, *, key_for_workers: bool) -> tuple[dict[str, str], str]:
    """Our account's env for the workers (the API credentials, and the key only if asked) and its key."""
    secrets = tmp_path / "secrets"
    ours = Account.create().key.hex()
    env = {**venue_env(url), "UPDOWN_SERIES": SERIES, "UPDOWN_SECRETS_DIR": str(secrets)}
    if key_for_workers:
        write_secret(secrets, "wallet__private_key", ours)
    derive_credentials(load_settings(env={**env, "UPDOWN_WALLET__PRIVATE_KEY": ours}), secrets)
    return env, ours


def test_fills_matched_while_feed_user_was_dead_are_published_once_when_it_comes_back(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, *QUIET_5M) as url:
        env, key = wallet(tmp_path, url, key_for_workers=True)
        discovery = start_worker("discovery", redis_url, tmp_path, "discovery-0", **env)
        user = start_worker("feed-user", redis_url, tmp_path, "feed-user-0", **env)
        try:
            up, down = open_window(client, lasting_s=60).token_ids
            me, other = client_for(url, key), trader(url)
            api_key = me.creds.api_key
            wait_for(lambda: user_feed(client) == "up", 30, "the user feed up")

            # A fill seen live: a taker's BUY Down 0.60 meets our BUY Up 0.40 (a mint).
            buy(me, up, 0.40, 10)
            buy(other, down, 0.60, 5, post_only=False)
            wait_for(lambda: len(published(client)) > 0, 30, "the live fill")

            # feed-user dies; meanwhile our resting order fills to the end, and we take liquidity.
            stop(user, sig=9)
            buy(other, down, 0.60, 5, post_only=False)
            buy(other, down, 0.50, 10)
            buy(me, up, 0.55, 5, post_only=False)
            # Takers wait out the venue's taker delay before they match.
            wait_for(lambda: len(our_trades(url, api_key)) == 3, 30, "the three trades, takers after their delay")
            wait_for(lambda: set(our_trades(url, api_key).values()) == {"CONFIRMED"}, 30, "every trade confirmed")

            # It comes back (with no socket frame left to tell it anything).
            user = start_worker("feed-user", redis_url, tmp_path, "feed-user-0", **env)
            wait_for(lambda: latest_status(published(client)) == our_trades(url, api_key), 45,
                     "the fills stream to match the emulator's trades")  # fmt: skip
            time.sleep(1.0)  # a late duplicate would show now

            fills = published(client)
            assert latest_status(fills) == our_trades(url, api_key)
            assert len({f.fill_id for f in fills}) == len(fills), "a fill was published twice"
            assert all(f.status in ("MATCHED", "MINED", "CONFIRMED") for f in fills)
        finally:
            assert stop_all([user, discovery]) == [0, 0]


def test_a_redis_outage_while_a_fill_arrives_reports_the_feed_down_and_keeps_the_fill(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        client = redis.Redis.from_url(server.url)
        with emulator(tmp_path, *QUIET_5M) as url:
            # No wallet key for the workers: feed-user reads no trades back, the socket is all it has.
            env, key = wallet(tmp_path, url, key_for_workers=False)
            workers = [start_worker(name, server.url, tmp_path, f"{name}-0", **env)
                       for name in ("discovery", "feed-user")]  # fmt: skip
            try:
                up, down = open_window(client, lasting_s=60).token_ids
                me, other = client_for(url, key), trader(url)
                mine = buy(me, up, 0.40, 10)
                wait_for(lambda: user_feed(client) == "up", 30, "the user feed up")

                # Redis goes away; a fill of ours matches meanwhile.
                server.stop()
                buy(other, down, 0.60, 5, post_only=False)
                time.sleep(2.0)  # the trade's frame reaches feed-user, which cannot write it
                server.start()
                client = redis.Redis.from_url(server.url)

                def statuses() -> set[str]:
                    return {f.status for f in published(client) if f.order_id == mine}

                wait_for(lambda: statuses() == {"MATCHED", "MINED", "CONFIRMED"}, 45, "every status of our fill")
                reports = [decode(fields).body for _, fields in client.xrange(streams.FEEDS)]
                user = [(r.state, r.reason) for r in reports if r.feed == "user"]  # type: ignore[attr-defined]
                downs = [i for i, (s, reason) in enumerate(user) if s == "down" and "cannot publish" in reason]
                assert downs, f"the feed never said it could not publish: {user}"
                assert "up" in [s for s, _ in user[downs[0] :]], f"the feed never came back up: {user}"
                assert user_feed(client) == "up"
                assert all(w.poll() is None for w in workers), "a worker died with Redis"
            finally:
                assert stop_all(workers) == [0, 0]
    finally:
        server.stop()
