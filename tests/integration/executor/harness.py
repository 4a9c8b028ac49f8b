"""What the executor tests share: a funded wallet with API keys, intents, the emulator's truth."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import redis
import redis.asyncio as aioredis
from eth_account import Account

from cli.keys import derive_credentials, write_secret
from common import state
from common.bus import streams
from common.bus.codec import decode, encode
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from common.runner import control
from common.schemas.control import Action
from common.schemas.exec import ExecReport
from common.schemas.feed import FeedStatus
from common.schemas.intent import ChurnTolerance, DesiredOrder, Intent
from tests.integration.emulator import venue_env

#: The executor worker, as the tests start it.
EXECUTOR = "workers.executor.worker:SPEC"

SERIES_ENV = '["btc-5m"]'
SERIES_KEY = "btc-updown-5m"
INTENT_STREAM = streams.intent(SERIES_KEY)
#: How long a test intent stays valid.
VALID_MS = 30_000


def wallet_env(tmp: Path, url: str) -> tuple[dict[str, str], str]:
    """A fresh wallet with API credentials in ``tmp/secrets``; the env for workers, and the API key."""
    secrets = tmp / "secrets"
    env = {**venue_env(url), "UPDOWN_SERIES": SERIES_ENV, "UPDOWN_SECRETS_DIR": str(secrets)}
    key = Account.create().key.hex()
    write_secret(secrets, "wallet__private_key", key)
    settings = load_settings(env={**env, "UPDOWN_WALLET__PRIVATE_KEY": key})
    derive_credentials(settings, secrets)
    api_key = (secrets / "wallet__api_key").read_text().strip()
    return env, api_key


def current_market(url: str) -> dict[str, Any]:
    """The window of the series that trades now (and for at least 25 s more)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now_s = time.time()
        for m in httpx.get(f"{url}/sim/markets", timeout=5).json()["markets"]:
            start = int(m["slug"].rsplit("-", 1)[1])
            if m["accepting_orders"] and start <= now_s and now_s + 25 < start + 300:
                return dict(m)
        time.sleep(0.5)
    raise AssertionError("no window with 25 s left is trading")


def make_intent(market: dict[str, Any], prices_micro: tuple[int, ...], *, size_micro: int = 10_000_000,
                valid_ms: int = VALID_MS, now_ms: int | None = None) -> Intent:  # fmt: skip
    """BUY Up and BUY Down at each price (level by level); an empty tuple wants nothing."""
    now_ms = now_ms or int(time.time() * 1000)
    up, down = market["token_ids"]
    orders = tuple(DesiredOrder(outcome=o, token_id=t, price_micro=p, size_micro=size_micro, level=i)
                   for i, p in enumerate(prices_micro) for o, t in (("UP", up), ("DOWN", down)))  # fmt: skip
    ident = hashlib.blake2b(f"{market['condition_id']}{prices_micro}{size_micro}{now_ms}".encode()).hexdigest()[:16]
    return Intent(intent_id=ident, series=SERIES_KEY, slug=market["slug"], condition_id=market["condition_id"],
                  tick_micro=market["tick_size_micro"], created_ms=now_ms, valid_until_ms=now_ms + valid_ms,
                  mode="ACTIVE", regime="test", reason="quoting", target_total_micro=2 * max(prices_micro, default=0),
                  orders=orders, churn=ChurnTolerance(min_move_ticks=1, min_size_change_ppm=100_000,
                                                      max_replaces_per_s=50))  # fmt: skip


def publish_intent(client: redis.Redis, intent: Intent, event_ms: int | None = None) -> None:
    now = int(time.time() * 1000)
    client.xadd(INTENT_STREAM, encode(intent, src="test-quoter", key=intent.condition_id, event_ms=event_ms or now,
                                      ingest_ms=event_ms or now, emit_ms=now))  # fmt: skip


def user_feed_up(client: redis.Redis, up: bool = True) -> None:
    """Stand in for feed-user's status (the tests that do not run it)."""
    status = FeedStatus(feed="user", state="up" if up else "down", since_ms=int(time.time() * 1000))
    client.hset(state.FEEDS, "user", status.model_dump_json())


def sim_orders(url: str, api_key: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{url}/sim/orders", params={"api_key": api_key}, timeout=5).json()["orders"])


def live(url: str, api_key: str) -> list[dict[str, Any]]:
    return [o for o in sim_orders(url, api_key) if o["status"] == "LIVE"]


def resting(url: str, api_key: str) -> set[tuple[str, int]]:
    """(token, price) of every order of ours resting on the emulator."""
    return {(o["token_id"], o["price_micro"]) for o in live(url, api_key)}


def wanted(market: dict[str, Any], prices_micro: tuple[int, ...]) -> set[tuple[str, int]]:
    return {(t, p) for t in market["token_ids"] for p in prices_micro}


def reports(client: redis.Redis) -> list[ExecReport]:
    out = []
    for _, fields in client.xrange(streams.EXEC):
        body = decode(fields).body
        if isinstance(body, ExecReport):
            out.append(body)
    return out


def no_slot_doubled(url: str, api_key: str) -> None:
    """At no time may one (token, side, price) hold two live orders of ours."""
    seen: dict[tuple[str, str, int], str] = {}
    for o in live(url, api_key):
        key = (o["token_id"], o["side"], o["price_micro"])
        assert key not in seen, f"two live orders in one slot: {seen[key]} and {o['order_id']}"
        seen[key] = o["order_id"]


def issue(redis_url: str, action: Action) -> None:
    """``updown ctl <action>``, as the operator would."""

    async def go() -> None:
        client = aioredis.Redis.from_url(redis_url)
        try:
            await control.issue(client, action, issued_by="test", reason="test", clock=SYSTEM_CLOCK)
        finally:
            await client.aclose()

    asyncio.run(go())


class Quoter:
    """Re-publishes the latest intent every ``period_s`` (as the quoter does) and watches the
    emulator meanwhile: every two live orders of ours in one slot are recorded in ``doubled``."""

    def __init__(self, client: redis.Redis, url: str, api_key: str, period_s: float = 0.5) -> None:
        self._client, self._url, self._api_key, self._period_s = client, url, api_key, period_s
        self.market: dict[str, Any] | None = None
        self.ladders: tuple[tuple[int, ...], ...] = ()
        self.published = 0
        self.doubled: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Quoter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def want(self, market: dict[str, Any], *ladders: tuple[int, ...]) -> None:
        """One ladder, or several taken in turn (a replace of every order at each publish)."""
        self.market, self.ladders = market, ladders

    def _run(self) -> None:
        last = 0.0
        while not self._stop.is_set():
            if self.market is not None and time.monotonic() - last >= self._period_s:
                prices = self.ladders[self.published % len(self.ladders)]
                publish_intent(self._client, make_intent(self.market, prices))
                self.published += 1
                last = time.monotonic()
            try:
                no_slot_doubled(self._url, self._api_key)
            except AssertionError as exc:
                self.doubled.append(str(exc))
            time.sleep(0.05)


def exec_status(client: redis.Redis) -> dict[str, Any]:
    raw = client.hget("state:exec", "status")
    return {} if raw is None else dict(json.loads(raw))
