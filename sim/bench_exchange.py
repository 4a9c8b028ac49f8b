"""Throughput of the emulator's CLOB: signed placements and cancels per second over REST.

Run: ``.venv/bin/python -m sim.bench_exchange [--orders 3000] [--batch 15]``. The server runs in a
child process (as in production, beside the bot) and the client posts pre-signed orders over one
keep-alive connection, so the figures measure the emulator, not the signing client.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import socket
import time
from typing import Any

import httpx

#: Collateral of the benchmark wallet, so that no order is refused for balance.
BENCH_FAUCET_MICRO: int = 10**15


def _serve(port: int) -> None:
    from aiohttp import web

    from sim.api import ApiSettings, add_clob_routes
    from sim.exchange import Exchange, ExchangeConfig, MarketSpec

    exchange = Exchange(
        time.time,
        random.Random(0),
        ExchangeConfig(faucet_pusd_micro=BENCH_FAUCET_MICRO, rate_limits_enforced=False),
    )
    exchange.add_market(
        MarketSpec(
            slug="btc-updown-15m-0",
            series="btc-15m",
            condition_id="0x" + "11" * 32,
            question_id="0x" + "22" * 32,
            token_ids=("1001", "1002"),
            window_start_s=0,
            window_end_s=900,
        )
    )
    app = web.Application()
    add_clob_routes(app, exchange, ApiSettings(advance_interval_s=0.1))
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def _listen(base: str, token_ids: list[str], count: int, ready: Any, stop: Any, received: Any) -> None:
    """Market-websocket subscribers (own process), counting the messages they receive."""
    import asyncio

    import aiohttp

    async def one(session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(base.replace("http", "ws") + "/ws/market") as ws:
            await ws.send_str(json.dumps({"assets_ids": token_ids, "type": "market"}))
            await ws.receive()  # the book snapshot
            ready.release()
            while not stop.is_set():
                try:
                    msg = await asyncio.wait_for(ws.receive(), 0.5)
                except TimeoutError:
                    continue
                if msg.type != aiohttp.WSMsgType.TEXT:
                    return
                data = json.loads(msg.data) if msg.data.startswith(("{", "[")) else None
                with received.get_lock():
                    received.value += len(data) if isinstance(data, list) else 1

    async def run() -> None:
        async with aiohttp.ClientSession() as session:
            await asyncio.gather(*(one(session) for _ in range(count)))

    asyncio.run(run())


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux), to separate server cost from machine contention."""
    import os

    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    from eth_account import Account
    from py_clob_client_v2.clob_types import CreateOrderOptions, OrderArgsV2, RequestArgs
    from py_clob_client_v2.headers.headers import create_level_1_headers, create_level_2_headers
    from py_clob_client_v2.order_builder.builder import OrderBuilder
    from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2
    from py_clob_client_v2.signer import Signer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=15)
    parser.add_argument(
        "--ws-clients", type=int, default=2, help="market-websocket subscribers during the run"
    )
    args = parser.parse_args()

    port = _free_port()
    server = multiprocessing.Process(target=_serve, args=(port,), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base) as http:
        for _ in range(100):
            try:
                http.get("/ok")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        signer = Signer(Account.create().key.hex(), 137)
        creds_body = http.post("/auth/api-key", headers=create_level_1_headers(signer)).json()
        from py_clob_client_v2.clob_types import ApiCreds

        creds = ApiCreds(creds_body["apiKey"], creds_body["secret"], creds_body["passphrase"])
        builder = OrderBuilder(signer)
        print(f"signing {args.orders} orders ...", flush=True)
        orders = [
            order_to_json_v2(
                builder.build_order(
                    OrderArgsV2(token_id="1001", price=0.01 + (i % 40) / 100, size=5 + i % 7, side="BUY"),
                    CreateOrderOptions(tick_size="0.01", neg_risk=False),
                ),
                creds.api_key,
                "GTC",
            )
            for i in range(args.orders)
        ]

        def call(method: str, path: str, body: object) -> object:
            serialized = json.dumps(body, separators=(",", ":"))
            headers = create_level_2_headers(signer, creds, RequestArgs(method, path, body, serialized))
            headers["Content-Type"] = "application/json"
            resp = http.request(method, path, headers=headers, content=serialized)
            resp.raise_for_status()
            return resp.json()

        ready, stop = multiprocessing.Semaphore(0), multiprocessing.Event()
        received = multiprocessing.Value("q", 0)
        listener = multiprocessing.Process(
            target=_listen, args=(base, ["1001", "1002"], args.ws_clients, ready, stop, received), daemon=True
        )
        if args.ws_clients:
            listener.start()
            for _ in range(args.ws_clients):
                ready.acquire(timeout=30)
        batches = [orders[i : i + args.batch] for i in range(0, len(orders), args.batch)]
        start, cpu0 = time.perf_counter(), _cpu_s(server.pid)  # type: ignore[arg-type]
        ids = [leg["orderID"] for batch in batches for leg in call("POST", "/orders", batch)]  # type: ignore[attr-defined]
        placed_s, cpu1 = time.perf_counter() - start, _cpu_s(server.pid)  # type: ignore[arg-type]
        assert all(ids), "some placements were rejected"
        id_batches = [ids[i : i + args.batch] for i in range(0, len(ids), args.batch)]
        start = time.perf_counter()
        cancelled = sum(len(call("DELETE", "/orders", b)["canceled"]) for b in id_batches)  # type: ignore[index,misc]
        cancel_s, cpu2 = time.perf_counter() - start, _cpu_s(server.pid)  # type: ignore[arg-type]
        time.sleep(1.0)  # let the subscribers drain
        stop.set()
        ws_received = int(received.value)
        if args.ws_clients:
            listener.join(5)
    server.terminate()
    if args.ws_clients:
        print(
            f"websocket:  {ws_received} events to {args.ws_clients} subscribers = "
            f"{ws_received / (placed_s + cancel_s):,.0f}/s sent during the run"
        )
    print(
        f"server CPU: {1000 * (cpu1 - cpu0) / len(ids):.3f} ms per placement, "
        f"{1000 * (cpu2 - cpu1) / max(1, cancelled):.3f} ms per cancel"
    )
    print(
        f"placements: {len(ids)} in {placed_s:.2f} s = {len(ids) / placed_s:,.0f}/s (batches of {args.batch})"
    )
    print(
        f"cancels:    {cancelled} in {cancel_s:.2f} s = {cancelled / cancel_s:,.0f}/s "
        f"(batches of {args.batch})"
    )


if __name__ == "__main__":
    main()
