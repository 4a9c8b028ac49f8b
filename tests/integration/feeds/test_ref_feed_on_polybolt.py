"""feed-ref as a real process against the emulator's PolyBolt: both channels flow, and it recovers
from each PolyBolt fault (a hole in the sequence, a draining close, silence, refused credentials)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from eth_account import Account

from cli.keys import derive_credentials, write_secret
from common.bus import streams
from common.bus.codec import decode
from common.config import load_settings
from common.schemas.feed import FeedStatus
from common.schemas.ref import RefTick
from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import emulator, venue_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@contextmanager
def feed_ref(redis_url: str, tmp: Path, faults: str, **extra: str) -> Iterator[redis.Redis]:
    """The emulator with ``faults`` and a feed-ref on PolyBolt with freshly derived credentials."""
    secrets = tmp / "secrets"
    with emulator(tmp, "--series", "btc-5m", "--no-traders", "--no-chain", "--faults", faults) as url:
        env = {**venue_env(url), "UPDOWN_SERIES": '["btc-5m"]', "UPDOWN_SECRETS_DIR": str(secrets),
               "UPDOWN_FEED_REF__TRANSPORT": "polybolt", **extra}
        key = Account.create().key.hex()
        write_secret(secrets, "wallet__private_key", key)
        derive_credentials(load_settings(env={**env, "UPDOWN_WALLET__PRIVATE_KEY": key}), secrets)
        worker = start_worker("feed-ref", redis_url, tmp, "feed-ref-0", **env)
        try:
            yield redis.Redis.from_url(redis_url)
        finally:
            assert stop_all([worker]) == [0]


def ticks(client: redis.Redis) -> list[RefTick]:
    return [decode(f).body for _, f in client.xrange(streams.ref("btc"))]  # type: ignore[attr-defined]


def statuses(client: redis.Redis) -> list[FeedStatus]:
    return [decode(f).body for _, f in client.xrange(streams.FEEDS)]  # type: ignore[attr-defined]


def link_downs(client: redis.Redis, *words: str) -> list[FeedStatus]:
    return [s for s in statuses(client) if s.feed == "ref" and s.state == "down"
            and all(w in (s.reason or "") for w in words)]


def snapshots_after_first_connection(client: redis.Redis) -> int:
    """Snapshot points published after live updates began: a resnapshot happened."""
    seen_live, resnapshot = False, 0
    for tick in ticks(client):
        seen_live = seen_live or not tick.from_snapshot
        resnapshot += seen_live and tick.from_snapshot
    return resnapshot


def test_both_channels_flow_from_the_emulators_polybolt(redis_url: str, tmp_path: Path) -> None:
    with feed_ref(redis_url, tmp_path, "none") as client:
        wait_for(lambda: {(t.source, t.from_snapshot) for t in ticks(client)} >= {
            ("pyth", True), ("pyth", False), ("chainlink_twap60", True), ("chainlink_twap60", False)},
            timeout_s=30, what="snapshots and updates of both channels")
        assert all(t.asset == "btc" and t.symbol == "btcusd" for t in ticks(client))
        assert any(s.feed == "ref" and s.state == "up" for s in statuses(client))


def test_a_hole_in_the_sequence_is_a_reported_reconnect_and_a_resnapshot(redis_url: str, tmp_path: Path) -> None:
    with feed_ref(redis_url, tmp_path, "polybolt-gap") as client:
        wait_for(lambda: link_downs(client, "seq gap"), timeout_s=40, what="a seq gap reported down")
        wait_for(lambda: snapshots_after_first_connection(client) > 0, timeout_s=30, what="a resnapshot")
        wait_for(lambda: statuses(client)[-1].state == "up" or any(
            s.feed == "ref" and s.state == "up" and s.gap_ms > 0 for s in statuses(client)),
            timeout_s=30, what="the feed back up")


def test_a_draining_close_reconnects_within_its_jitter(redis_url: str, tmp_path: Path) -> None:
    with feed_ref(redis_url, tmp_path, "polybolt-close", UPDOWN_FEED_REF__DRAINING_JITTER_S="1") as client:
        wait_for(lambda: link_downs(client, "4003"), timeout_s=40, what="a 4003 close reported down")
        wait_for(lambda: any(s.feed == "ref" and s.state == "up" and s.gap_ms > 0 for s in statuses(client)),
                 timeout_s=30, what="the feed back up after the close")


def test_silence_is_stale_then_a_new_connection(redis_url: str, tmp_path: Path) -> None:
    with feed_ref(redis_url, tmp_path, "polybolt-silent", UPDOWN_FEED_REF__IDLE_TIMEOUT_S="4") as client:
        wait_for(lambda: any(s.feed.startswith("ref.pyth") and s.reason == "stale" for s in statuses(client)),
                 timeout_s=60, what="the spot reported stale")
        wait_for(lambda: link_downs(client, "idle"), timeout_s=30, what="the silent connection dropped")
        wait_for(lambda: any(s.feed == "ref" and s.state == "up" and s.gap_ms > 0 for s in statuses(client)),
                 timeout_s=30, what="a new connection")


def test_refused_credentials_are_reported_and_not_retried_fast(redis_url: str, tmp_path: Path) -> None:
    bad = {"UPDOWN_WALLET__API_KEY": "nobody", "UPDOWN_WALLET__API_SECRET": "x", "UPDOWN_WALLET__API_PASSPHRASE": "y"}
    with feed_ref(redis_url, tmp_path, "none", **bad) as client:
        wait_for(lambda: link_downs(client, "auth"), timeout_s=30, what="the auth failure reported down")
        time.sleep(5)
        assert len(link_downs(client)) == 1, "it retried refused credentials quickly"
        assert ticks(client) == []
