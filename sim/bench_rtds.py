"""Measure how many RTDS messages a second the emulator pushes to one subscriber.

    python -m sim.bench_rtds [--messages 100000]

The server (this process) publishes Chainlink ticks as fast as its loop allows; a subscriber in a
separate process (so it does not share the server's core) counts them and reports the rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time

from aiohttp import web

from sim.rtds import RtdsHub
from sim.world.config import E18
from sim.world.feeds import FeedTick, Source

#: Messages published between two yields to the event loop (lets the writer drain).
PUBLISH_CHUNK = 200

CLIENT = r"""
import json, sys, time
from websockets.sync.client import connect
url, n = sys.argv[1], int(sys.argv[2])
with connect(url, max_size=None) as ws:
    sub = {"topic": "crypto_prices_chainlink", "type": "*"}
    ws.send(json.dumps({"action": "subscribe", "subscriptions": [sub]}))
    print("ready", flush=True)
    ws.recv(); t0 = time.perf_counter(); c0 = time.process_time(); got = 1
    while got < n:
        ws.recv(); got += 1
    print(got, time.perf_counter() - t0, time.process_time() - c0, flush=True)
"""


async def bench(messages: int) -> dict[str, float]:
    hub = RtdsHub(lambda: time.time_ns() // 1_000_000)
    app = web.Application()
    hub.add_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"ws://127.0.0.1:{runner.addresses[0][1]}/rtds"
    client = await asyncio.create_subprocess_exec(sys.executable, "-c", CLIENT, url, str(messages),
                                                  stdout=subprocess.PIPE)
    assert client.stdout is not None
    await client.stdout.readline()
    while hub.connections == 0 or not any(c.subs for c in hub._conns.values()):
        await asyncio.sleep(0.01)
    base = 63_000 * E18
    cpu0 = time.process_time()
    for i in range(messages):
        hub.publish(FeedTick(Source.CHAINLINK, "btc", "btc/usd", i * 1000, i * 1000, base + i * 10**15))
        if i % PUBLISH_CHUNK == 0:
            await asyncio.sleep(0)
    got, elapsed, client_cpu = (await client.stdout.readline()).split()
    server_cpu = time.process_time() - cpu0
    await client.wait()
    await runner.cleanup()
    return {"messages": int(got), "seconds": round(float(elapsed), 3),
            "per_second": round(int(got) / float(elapsed)),
            "server_cpu_us_per_message": round(server_cpu / int(got) * 1e6, 1),
            "subscriber_cpu_s": round(float(client_cpu), 2)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.bench_rtds")
    p.add_argument("--messages", type=int, default=100_000)
    args = p.parse_args(argv)
    print(json.dumps(asyncio.run(bench(args.messages))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
