"""``updown bench cancel``: tick-to-cancel, from the reference frame that moves the fair value to the
cancel request's bytes leaving for every order that move exposed, through the real stages.

The emulator's CLOB and RTDS run in a child process (``bench.cancel_venue``) whose mover flips the
BTC price around the window's strike ``--moves-per-s`` times a second; the real feed-ref (RTDS
transport), alpha, quoter and executor processes run on it, with Redis. Alpha marks the frames
that move its fair value by ``latency.cancel_move_ppm`` or more, the quoter passes the mark on with
its intent, and the executor times the cancels of the orders the move left exposed. The run ends
once the executor has timed ``--cancels`` of them (or after ``--seconds``); its ``state:latency``
summary and its Prometheus histogram are printed, with the host's steal over the run. With
``--bare``, the run again with a bare canceller (``bench.bare_canceller``) in place of the quoter
and the executor, on the same alpha signals: what any canceller gets on this machine then.

    .venv/bin/python -m bench.cancel [--cancels 2000] [--seconds 300] [--moves-per-s 4] [--bare]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from math import nan
from pathlib import Path

import redis.asyncio as aioredis
import uvloop
from eth_account import Account
from pydantic import SecretStr

from bench import bare_canceller
from bench.cancel_venue import BASE_PRICE_USD, CONDITION_ID, DOWN, E18, UP, Plan, serve
from bench.client import _wait_up
from bench.harness import venue_and_redis
from bench.stats import read_figures
from bench.steal import Steal
from cli.keys import write_wallet
from common import state
from common.bus import streams
from common.clob.auth import L1Signer
from common.clob.client import AsyncClobClient
from common.clock import SYSTEM_CLOCK
from common.latency import LATENCY_KEY
from common.redis_server import free_port
from common.runner import health
from common.schemas.feed import FeedStatus
from common.schemas.market import MarketRecord, Settlement

ROOT = Path(__file__).resolve().parents[1]
SERIES_KEY = "btc-updown-1h"
SPAN = "tick_to_cancel"
#: Printed beside it: the frame to the intent written, over every intent (moves or not).
DECISION = "tick_to_decision"
#: How far the window ends beyond the run: the fair value's sensitivity to a move grows as the end
#: nears, and the last ``endgame_s`` is the endgame (quotes pulled).
WINDOW_AFTER_RUN_S = 300
#: Started-up time of the workers (heartbeat armed, first reconciliation, first signals), in s.
STARTUP_S = 60.0
#: The stand-in for the ledger's health: the quoter buys only while a ledger runs (``ledger_watch``).
LEDGER_INSTANCE = "bench-ledger"


def window_record(plan: Plan) -> MarketRecord:
    return MarketRecord(series=SERIES_KEY, slug=plan.slug, gamma_id="1", condition_id=CONDITION_ID,
                        outcomes=("Up", "Down"), token_ids=(UP, DOWN), protocol_version="v1",
                        window_start_ms=plan.start_s * 1000, window_end_ms=plan.end_s * 1000,
                        tick_size_micro=10_000, min_size_micro=5_000_000, fees_enabled=True,
                        rewards_min_size_micro=0, rewards_max_spread_micro=0, neg_risk=False,
                        settlement=Settlement(kind="spot"), strike_e18=BASE_PRICE_USD * E18, active=True,
                        closed=False, accepting_orders=True)  # fmt: skip


async def prepare(redis: aioredis.Redis, clob_url: str, plan: Plan, tmp: Path) -> Path:
    """Redis as discovery, feed-user and the ledger would leave it; the executor's wallet."""
    await redis.flushall()
    await redis.hset(state.MARKETS, plan.slug, window_record(plan).model_dump_json())
    now = int(time.time() * 1000)
    await redis.hset(state.FEEDS, "user", FeedStatus(feed="user", state="up", since_ms=now).model_dump_json())
    await redis.hset(health.key(LEDGER_INSTANCE), mapping={"worker": "ledger", "instance": LEDGER_INSTANCE,
                                                           "state": "running", "ts_ms": now})  # fmt: skip
    secrets = tmp / "secrets"
    key = Account.create().key.hex()
    client = AsyncClobClient(clob_url, SYSTEM_CLOCK, address=Account.from_key(key).address,
                             l1=L1Signer(SecretStr(key), 137))  # fmt: skip
    await _wait_up(client)
    creds = await client.create_or_derive_api_key()
    await client.aclose()
    write_wallet(secrets, key, creds)
    return secrets


def worker_env(redis_url: str, clob_url: str, tmp: Path, secrets: Path) -> dict[str, str]:
    return dict(os.environ, REDIS_URL=redis_url, UPDOWN_DATA_DIR=str(tmp), UPDOWN_LOG__LEVEL="WARNING",
                UPDOWN_SERIES='["btc-1h"]', UPDOWN_SECRETS_DIR=str(secrets), UPDOWN_VENUE__CLOB_URL=clob_url,
                UPDOWN_VENUE__RTDS_URL=clob_url.replace("http", "ws") + "/rtds", UPDOWN_FEED_REF__TRANSPORT="rtds",
                UPDOWN_QUOTER__LEDGER_GRACE_MS=str(86_400_000), UPDOWN_REDIS__BLOCK_MS="100")  # fmt: skip


def start(name: str, env: dict[str, str], **extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "cli.main", "worker", name], cwd=ROOT,
                            env={**env, "UPDOWN_INSTANCE": f"bench-{name}", **extra})  # fmt: skip


def scrape(port: int, span: str = SPAN) -> dict[str, float]:
    """The ``_count`` and ``_sum`` of the span's Prometheus histogram on a worker's metrics port."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    out: dict[str, float] = {}
    for line in text.splitlines():
        for part in ("count", "sum"):
            if line.startswith(f"updown_{span}_ms_{part}{{"):
                out[part] = out.get(part, 0.0) + float(line.rsplit(" ", 1)[1])
    return out


async def run(redis_url: str, clob_url: str, plan: Plan, tmp: Path, cancels: int, seconds: float,
              bare: bool = False) -> dict[str, float]:  # fmt: skip
    """One run; the span's figures (``count``, ``p50_ms``, ``p99_ms``; ``prom_count``; ``steal``)."""
    redis = aioredis.Redis.from_url(redis_url)
    secrets = await prepare(redis, clob_url, plan, tmp)
    env, metrics_port = worker_env(redis_url, clob_url, tmp, secrets), free_port()
    procs = [start("feed-ref", env), start("alpha", env)]
    if bare:
        procs.append(subprocess.Popen([sys.executable, "-m", "bench.bare_canceller", redis_url,
                                       streams.signal(SERIES_KEY)], cwd=ROOT, env=env))  # fmt: skip
    else:
        procs += [start("quoter", env), start("executor", env, UPDOWN_RUNNER__METRICS_PORT=str(metrics_port))]
    figures: dict[str, float] = {}
    try:
        steal, began = Steal(), time.monotonic()
        while time.monotonic() - began < seconds and not any(p.poll() is not None for p in procs):
            await asyncio.sleep(1.0)
            figures = await _figures(redis, bare)
            if figures.get("count", 0) >= cancels:
                break
        figures["steal"] = steal.share()
        figures["elapsed_s"] = time.monotonic() - began
        if not bare:
            figures.update({f"prom_{k}": v for k, v in (await asyncio.to_thread(scrape, metrics_port)).items()})
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(20)
    if bare:
        figures = {**await read_figures(redis, bare_canceller.RESULT_KEY), **figures}
    await redis.aclose()
    return figures


async def _figures(redis: aioredis.Redis, bare: bool) -> dict[str, float]:
    if bare:
        return {"count": float(await redis.hget(bare_canceller.RESULT_KEY, "live_count") or 0)}
    raw = {k.decode(): v.decode() for k, v in (await redis.hgetall(LATENCY_KEY)).items()}
    out = {k.split(".", 1)[1]: float(v) for k, v in raw.items() if k.startswith(SPAN + ".")}
    out.update({"decision_" + k.split(".", 1)[1]: float(v) for k, v in raw.items() if k.startswith(DECISION + ".")})
    return out


def line(name: str, f: dict[str, float]) -> str:
    return (f"  {name:34s} n={f.get('count', 0):>6.0f}  p50 {f.get('p50_ms', nan):8.3f} ms  "
            f"p99 {f.get('p99_ms', nan):8.3f} ms   ({f.get('elapsed_s', nan):.0f} s, host steal "
            f"{100 * f.get('steal', nan):.1f}%)")  # fmt: skip


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="updown bench cancel", description=__doc__.splitlines()[0])
    p.add_argument("--cancels", type=int, default=2_000, help="timed cancels to collect before stopping")
    p.add_argument("--seconds", type=float, default=400.0, help="the longest a run lasts")
    p.add_argument("--moves-per-s", type=float, default=4.0, help="price moves per second")
    p.add_argument("--move-bps", type=float, default=5.0, help="size of each move, basis points of the price")
    p.add_argument("--bare", action="store_true",
                   help="then the run again with a bare canceller (bench.bare_canceller) in place of the "
                        "quoter and the executor, on the same alpha signals")  # fmt: skip
    args = p.parse_args(argv)
    runs = 2 if args.bare else 1
    now_s = int(time.time())
    plan = Plan(start_s=now_s - 60, end_s=now_s + int(runs * (args.seconds + STARTUP_S)) + WINDOW_AFTER_RUN_S,
                move_bps=args.move_bps, moves_per_s=args.moves_per_s)  # fmt: skip
    print(f"{SPAN}: BTC flips {args.move_bps:g} bps {args.moves_per_s:g} times a second on the emulator's RTDS "
          f"-> feed-ref -> alpha -> quoter -> executor -> the emulator's CLOB (DELETE /orders)")  # fmt: skip
    with venue_and_redis(serve, plan) as (clob_url, redis, tmp):
        own = uvloop.run(run(redis.url, clob_url, plan, tmp, args.cancels, args.seconds))
        print(line("executor (state:latency)", own))
        decision = {k: own.get(f"decision_{k}", nan) for k in ("count", "p50_ms", "p99_ms")}
        print(f"  {'of which frame -> intent (all)':34s} n={decision['count']:>6.0f}  p50 "
              f"{decision['p50_ms']:8.3f} ms  p99 {decision['p99_ms']:8.3f} ms")  # fmt: skip
        print(f"  {'executor (Prometheus histogram)':34s} n={own.get('prom_count', 0):>6.0f}  mean "
              f"{own.get('prom_sum', nan) / max(own.get('prom_count', 0), 1):8.3f} ms")  # fmt: skip
        if args.bare:
            base = uvloop.run(run(redis.url, clob_url, plan, tmp, args.cancels, args.seconds, bare=True))
            print(line("bare canceller (same signals)", base))
            if base.get("p99_ms"):
                print(f"  ratio to bare: p50 {own.get('p50_ms', nan) / base['p50_ms']:.2f}, "
                      f"p99 {own.get('p99_ms', nan) / base['p99_ms']:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
