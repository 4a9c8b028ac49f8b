"""What the executor scale-out tests share: two series' windows on the emulator, the quoter's part
(a new ladder per series at every publish) with a watch for two live orders in one slot across the
executors' keys, each instance's key, and what the venue and ``exec`` say."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import redis

from common.bus import streams
from common.bus.codec import decode, encode
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from common.runner.lease import lease_key
from common.schemas.exec import ExecReport
from tests.integration.executor.harness import make_intent, sim_orders
from workers.credentials import instance_key

SERIES = {"btc-updown-15m": "btc", "eth-updown-15m": "eth"}
#: The emulator: both series' 15-minute windows, no simulated traders (our orders rest), no chain.
SIM_ARGS = ("--series", "btc-15m,eth-15m", "--no-traders", "--no-chain", "--seed", "5")
LEASE_MS = 3_000
#: A window must trade this much longer when the test starts (the test ends well within it).
WINDOW_LEFT_S = 180
LADDERS = ((400_000, 390_000), (410_000, 380_000))
PUBLISH_EVERY_S = 0.4
INSTANCES = ("executor-0", "executor-1")
ENV = {"UPDOWN_SERIES": '["btc-15m", "eth-15m"]', "UPDOWN_RUNNER__INSTANCES": '{"executor": 2}',
       "UPDOWN_RUNNER__SERIES_LEASE_MS": str(LEASE_MS)}  # fmt: skip


def trading_windows(url: str) -> dict[str, dict[str, Any]]:
    """The window of each series that trades now and for ``WINDOW_LEFT_S`` more."""
    found: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + 60 + WINDOW_LEFT_S
    while time.monotonic() < deadline and len(found) < len(SERIES):
        found.clear()
        now_s = time.time()
        for m in httpx.get(f"{url}/sim/markets", timeout=5).json()["markets"]:
            series = m["slug"].rsplit("-", 1)[0]
            start = int(m["slug"].rsplit("-", 1)[1])
            if series in SERIES and m["accepting_orders"] and start <= now_s < start + 900 - WINDOW_LEFT_S:
                found[series] = dict(m)
        time.sleep(1)
    assert len(found) == len(SERIES), f"no window of each series with {WINDOW_LEFT_S} s left: {found}"
    return found


class Quoter(threading.Thread):
    """The quoter's part: each series' intent, a new ladder at every publish; and a watch on the
    venue: two live orders in one (token, side, price) across the keys are recorded in ``doubled``."""

    def __init__(self, redis_url: str, url: str, windows: dict[str, dict[str, Any]], keys: list[str]) -> None:
        super().__init__(daemon=True)
        self.client = redis.Redis.from_url(redis_url)
        self.url, self.windows, self.keys = url, windows, keys
        self.doubled: list[str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        last, n = 0.0, 0
        while not self.halt.is_set():
            if time.monotonic() - last >= PUBLISH_EVERY_S:
                last, n = time.monotonic(), n + 1
                for series, market in self.windows.items():
                    intent = make_intent(market, LADDERS[n % 2]).model_copy(update={"series": series})
                    now = int(time.time() * 1000)
                    self.client.xadd(streams.intent(series), encode(intent, src="test-quoter", key=series,
                                     event_ms=now, ingest_ms=now, emit_ms=now))  # type: ignore[arg-type]  # fmt: skip
            # Every key's orders in one read (one instant of the venue), not a read per key.
            seen: dict[tuple[str, str, int], str] = {}
            for o in httpx.get(f"{self.url}/sim/orders", timeout=5).json()["orders"]:
                if o["owner"] not in self.keys or o["status"] != "LIVE":
                    continue
                slot = (o["token_id"], o["side"], o["price_micro"])
                if slot in seen:
                    self.doubled.append(f"{slot}: {seen[slot]} and {o['order_id']}")
                seen.setdefault(slot, o["order_id"])
            time.sleep(0.05)


def owner(client: redis.Redis, series: str) -> str | None:
    raw = client.get(lease_key("executor", series))
    return None if raw is None else raw.decode()


def exec_reports(client: redis.Redis) -> list[tuple[ExecReport, float]]:
    out = []
    for _, fields in client.xrange(streams.EXEC):
        body = decode(fields).body
        if isinstance(body, ExecReport):
            out.append((body, float(fields[b"emit_ms"])))
    return out


def live_on(url: str, key: str, market: str) -> list[dict[str, Any]]:
    return [o for o in sim_orders(url, key) if o["status"] == "LIVE" and o["market"] == market]


def instance_keys(tmp: Path, env: dict[str, str]) -> dict[str, str]:
    """Each executor instance's API key, derived as the instance derives it (from the wallet)."""
    private_key = (tmp / "secrets" / "wallet__private_key").read_text().strip()
    settings = load_settings(env={**env, "UPDOWN_WALLET__PRIVATE_KEY": private_key})
    return {name: asyncio.run(instance_key(settings, SYSTEM_CLOCK, name)).api_key for name in INSTANCES}


def accounted(client: redis.Redis, url: str, keys: dict[str, str]) -> None:
    """Every order either key has on the venue was reported on ``exec``, and none rests."""
    reported = {r.order_id for r, _ in exec_reports(client) if r.order_id}
    for name, key in keys.items():
        venue = sim_orders(url, key)
        assert venue, f"{name} placed nothing"
        assert {o["order_id"] for o in venue} <= reported, f"orders of {name}'s key nobody reported"
        assert not [o for o in venue if o["status"] == "LIVE"], f"orders of {name}'s key left resting"
