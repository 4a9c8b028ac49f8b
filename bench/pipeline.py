"""``updown bench pipeline``: tick-to-order / tick-to-ack through the pipeline, and signed orders per second.

1. Latency: a local websocket pushes ``price_change`` frames at ``--rate`` (2,000/s) into the real
   feed-book process; a stand-in quoter (a process of its own: the alpha and quoter loops are not
   in this path) turns every ``--every``-th book event into an intent that adds or removes a second
   level of BUYs, carrying the book event's receive stamp (µs); the real executor process signs and
   posts to the emulator's CLOB (a child process). The executor's own ``state:latency`` summary is
   printed. With ``--bare``, the run again with a bare executor (``bench.bare_executor``) in
   the executor's place.
2. Throughput: the executor's loop (driver, core, coincurve signer, async client) in this process,
   with the rate budget lifted, replacing a 90-order ladder as fast as the emulator answers.

The defaults (2,000 frames/s for 60 s, an intent every 60 book events) give about 2,000 intents and
as many ``tick_to_order`` samples a run (one POST per other intent, of two orders), so that a p99 is
not the run's worst sample; the intents stay within the venue's order budget (40 orders/s). A run
takes about 65 s, twice that with ``--bare``, plus the throughput run.

    .venv/bin/python -m bench.pipeline [--rate 2000] [--seconds 60] [--every 60] [--bare]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable
from math import nan
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
import uvloop
from eth_account import Account
from pydantic import SecretStr
from websockets.asyncio.server import serve

from bench import bare_executor
from bench.client import CONDITION_ID, _serve, _wait_up
from bench.feed_book import SERIES, TOKENS, Replayer, pace_frames, record
from bench.floor import ping_floor
from bench.harness import venue_and_redis
from bench.stats import read_figures
from bench.steal import Steal
from cli.keys import write_wallet
from common import logs, state
from common.bus import streams
from common.bus.codec import decode, encode
from common.bus.lane import open_lane
from common.bus.writer import Writer
from common.clob.auth import L1Signer
from common.clob.client import AsyncClobClient, Sent
from common.clob.signing import OrderSigner
from common.clock import SYSTEM_CLOCK
from common.config.settings import Settings
from common.runner import Context
from common.schemas.book import BookDelta
from common.schemas.feed import FeedStatus
from common.schemas.intent import ChurnTolerance, DesiredOrder, Intent
from workers.executor.core import DEFAULT_CONFIG, ExecutorCore
from workers.executor.driver import Driver
from workers.executor.gateway import LiveGateway
from workers.executor.latency import LATENCY_KEY, SPANS
from workers.executor.upkeep import Upkeep

ROOT = Path(__file__).resolve().parents[1]
CHURN = ChurnTolerance(min_move_ticks=1, min_size_change_ppm=100_000, max_replaces_per_s=1_000)
#: The throughput run's budget: far above the venue's, to find what the loop itself sustains.
UNLIMITED = dataclasses.replace(DEFAULT_CONFIG, order_rate_per_s=100_000, order_burst=100_000,
                                cancel_rate_per_s=100_000, cancel_burst=100_000)  # fmt: skip


def ladder_intent(n_levels: int, size_micro: int, seq: int, valid_ms: int = 5_000) -> Intent:
    now = int(time.time() * 1000)
    up, down = TOKENS
    orders = tuple(DesiredOrder(outcome=o, token_id=t, price_micro=(45 - i) * 10_000, size_micro=size_micro, level=i)
                   for i in range(n_levels) for o, t in (("UP", up), ("DOWN", down)))  # fmt: skip
    return Intent(intent_id=f"bench-{seq}", series=SERIES, slug=f"{SERIES}-0", condition_id=CONDITION_ID,
                  tick_micro=10_000, created_ms=now, valid_until_ms=now + valid_ms, mode="ACTIVE", regime="bench",
                  reason="bench", target_total_micro=600_000, orders=orders, churn=CHURN)  # fmt: skip


# -- 1. latency through the processes ---------------------------------------------------------------


async def quoter_stand_in(redis: aioredis.Redis, every: int, stop: Callable[[], bool]) -> int:
    """Every ``every``-th book event: an intent with one or two levels, stamped with that event.

    It reads and writes through the bus's lanes, as the quoter worker does."""
    stream, last, seen, sent = streams.book(SERIES), "$", 0, 0
    reads, writes = open_lane(redis), open_lane(redis)
    while not stop():
        for entry_id, fields in await reads.xread(stream, last, block_ms=200, count=1_000):
            last = entry_id.decode()
            if fields is None:
                continue
            env = decode(fields)
            if not isinstance(env.body, BookDelta):
                continue
            seen += 1
            if seen % every == 0:
                sent += 1
                intent = ladder_intent(1 + sent % 2, 5_000_000, sent)
                now = SYSTEM_CLOCK.stamp_ms()
                await writes.xadd(streams.intent(SERIES), encode(intent, src="bench-quoter", key=CONDITION_ID,
                                                                 event_ms=env.event_ms, ingest_ms=env.ingest_ms,
                                                                 emit_ms=now))  # fmt: skip
    await reads.aclose()
    await writes.aclose()
    return sent


def _quoter_process(redis_url: str, every: int, stop: Any, sent: Any) -> None:
    """The stand-in quoter in a process of its own, as the quoter worker runs: not sharing a loop
    (or a core's turn) with the bench's websocket server."""

    async def run() -> None:
        redis = aioredis.Redis.from_url(redis_url)
        sent.value = await quoter_stand_in(redis, every, stop.is_set)
        await redis.aclose()

    uvloop.run(run())


async def latency_run(redis_url: str, clob_url: str, tmp: Path, rate: int, seconds: float, every: int,
                      bare: bool = False) -> dict[str, float]:  # fmt: skip
    """The paced run through feed-book, the stand-in quoter and the executor worker (``bare``: the
    bare executor, ``bench.bare_executor``, in its place). Returns its tick_to_order p50/p99 (ms)."""
    redis = aioredis.Redis.from_url(redis_url)
    await redis.flushall()
    await redis.hset(state.MARKETS, "bench", record().model_dump_json())
    status = FeedStatus(feed="user", state="up", since_ms=int(time.time() * 1000))
    await redis.hset(state.FEEDS, "user", status.model_dump_json())  # no user feed here: say it is up
    secrets = tmp / "secrets"
    key = Account.create().key.hex()
    client = AsyncClobClient(clob_url, SYSTEM_CLOCK, address=Account.from_key(key).address,
                             l1=L1Signer(SecretStr(key), 137))  # fmt: skip
    await _wait_up(client)
    creds = await client.create_or_derive_api_key()
    await client.aclose()
    write_wallet(secrets, key, creds)
    replayer = Replayer()
    async with serve(replayer.handler, "127.0.0.1", 0, max_size=None) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        base = dict(os.environ, REDIS_URL=redis_url, UPDOWN_DATA_DIR=str(tmp), UPDOWN_LOG__LEVEL="WARNING",
                    UPDOWN_SERIES='["btc-15m"]', UPDOWN_SECRETS_DIR=str(secrets), UPDOWN_VENUE__CLOB_URL=clob_url,
                    UPDOWN_VENUE__WS_MARKET_URL=f"ws://127.0.0.1:{port}", UPDOWN_REDIS__BLOCK_MS="100")  # fmt: skip
        procs = [_worker("feed-book", base), _bare_executor(redis_url, base) if bare else
                 _worker("workers.executor.worker:SPEC", base)]  # fmt: skip
        try:
            await asyncio.wait_for(replayer.subscribed.wait(), 30)
            spawn = multiprocessing.get_context("spawn")
            stop, sent = spawn.Event(), spawn.Value("i", 0)
            quoter = spawn.Process(target=_quoter_process, args=(redis_url, every, stop, sent), daemon=True)
            quoter.start()
            await asyncio.sleep(2.0)  # the executor arms its heartbeat and reconciles; the quoter reads
            assert replayer.conn is not None
            steal = Steal()
            await pace_frames(replayer.conn, rate, seconds)
            stolen = steal.line()
            await asyncio.sleep(0.5)  # the last intents go through
            stop.set()
            await asyncio.to_thread(quoter.join, 10)
            intents = sent.value
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(20)
    if bare:
        own = await read_figures(redis, bare_executor.RESULT_KEY)
        await redis.aclose()
        print(f"bare executor in its place (post what is new, cancel what is gone; no core, budget, heartbeat or "
              f"runner), {intents} intents:")  # fmt: skip
        print(f"  tick_to_order     n={own.get('count', 0):>6.0f}  p50 {own.get('p50_ms', nan):.3f} ms"
              f"  p99 {own.get('p99_ms', nan):.3f} ms")  # fmt: skip
        print(f"  {stolen}")
        return {"p50": own.get("p50_ms", nan), "p99": own.get("p99_ms", nan)}
    summary = {k.decode(): v.decode() for k, v in (await redis.hgetall(LATENCY_KEY)).items()}
    await redis.aclose()
    print(f"latency: {rate} book frames/s for {seconds:.0f} s through feed-book -> stand-in quoter "
          f"({intents} intents) -> executor -> emulator CLOB")  # fmt: skip
    for span in SPANS:
        print(f"  {span:17s} n={summary.get(span + '.count', '0'):>6s}  p50 {summary.get(span + '.p50_ms', '-')} ms"
              f"  p99 {summary.get(span + '.p99_ms', '-')} ms")  # fmt: skip
    print(f"  {await ping_floor(redis_url, rate)}")
    print(f"  {stolen}")
    return {q: float(summary.get(f"tick_to_order.{q}_ms", nan)) for q in ("p50", "p99")}


def _bare_executor(redis_url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bench.bare_executor", redis_url, streams.intent(SERIES)],
                            cwd=ROOT, env=env)  # fmt: skip


def _worker(name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    instance = "bench-" + name.split(".")[-1].split(":")[0]
    return subprocess.Popen([sys.executable, "-m", "cli.main", "worker", name], cwd=ROOT,
                            env={**env, "UPDOWN_INSTANCE": instance})  # fmt: skip


# -- 2. signed orders per second from one executor loop ---------------------------------------------


async def throughput_run(redis_url: str, clob_url: str, seconds: float) -> None:
    key = SecretStr(Account.create().key.hex())
    signer = OrderSigner(key, chain_id=137)
    client = AsyncClobClient(clob_url, SYSTEM_CLOCK, address=signer.address, l1=L1Signer(key, 137))
    await _wait_up(client)
    await client.create_or_derive_api_key()
    redis = aioredis.Redis.from_url(redis_url)
    settings = Settings()
    ctx = Context(name="bench-executor", instance="bench-executor", settings=settings, redis=redis,
                  writer=Writer(redis, "bench-executor", settings.bus, SYSTEM_CLOCK),
                  log=logs.get_logger("bench-executor"), clock=SYSTEM_CLOCK)  # fmt: skip
    gateway = LiveGateway(client, signer)
    core = ExecutorCore(UNLIMITED, SYSTEM_CLOCK.now_ms(), owner=gateway.owner, monotonic_ms=SYSTEM_CLOCK.monotonic_ms)
    driver = Driver(ctx, core, gateway, tick_s=0.01)
    upkeep = Upkeep(driver, watch_user_feed=False)
    posted = 0
    real_post = gateway.post

    async def counting_post(legs: Any, sent: Sent) -> Any:
        nonlocal posted
        results = await real_post(legs, sent)
        posted += sum(r.accepted for r in results)
        return results

    gateway.post = counting_post  # type: ignore[method-assign]
    beats = asyncio.create_task(upkeep.keepalive.heartbeats())
    while not core.heartbeat.can_place(driver.mono()):
        await asyncio.sleep(0.01)
    await upkeep.tick()  # reconciled
    seq, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        seq += 1
        await driver.on_intent(_env(ladder_intent(45, 5_000_000 + (seq % 2) * 1_000_000, seq)))
        await driver.wait_all(5)
        await upkeep.tick()  # the cancels' answers freed the slots: place
        await driver.wait_all(5)
    elapsed = time.perf_counter() - start
    ctx.stopping.set()
    await beats
    await upkeep.shutdown()
    await client.aclose()
    await redis.aclose()
    print(f"throughput: {posted} signed orders accepted in {elapsed:.1f} s = {posted / elapsed:,.0f} orders/s "
          f"(90-order ladder replaced {seq} times: cancel then post in batches of 15)")  # fmt: skip


def _env(intent: Intent) -> Any:
    from common.bus.envelope import Envelope

    now = int(time.time() * 1000)
    return Envelope(body=intent, src="bench", key="", event_ms=now, ingest_ms=now, emit_ms=now)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="updown bench pipeline", description=__doc__.splitlines()[0])
    p.add_argument("--rate", type=int, default=2_000, help="book frames per second")
    p.add_argument("--seconds", type=float, default=60.0, help="duration of each latency run")
    p.add_argument("--every", type=int, default=60, help="book events per intent")
    p.add_argument("--throughput-seconds", type=float, default=10.0, help="duration of the throughput run")
    p.add_argument("--bare", action="store_true",
                   help="then the latency run again with a bare executor (bench.bare_executor) in the "
                        "executor's place: what any order sender gets on this machine")  # fmt: skip
    args = p.parse_args(argv)
    with venue_and_redis(_serve) as (clob_url, redis, tmp):
        # uvloop, as every worker runs
        ours = uvloop.run(latency_run(redis.url, clob_url, tmp, args.rate, args.seconds, args.every))
        if args.bare:
            bare = uvloop.run(latency_run(redis.url, clob_url, tmp, args.rate, args.seconds,
                                          args.every, bare=True))  # fmt: skip
            print(f"executor/bare tick_to_order: p50 {ours['p50'] / bare['p50']:.2f}, "
                  f"p99 {ours['p99'] / bare['p99']:.2f}")  # fmt: skip
        uvloop.run(throughput_run(redis.url, clob_url, args.throughput_seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
