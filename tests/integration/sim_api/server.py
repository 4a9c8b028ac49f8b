"""An emulator CLOB on loopback in a background thread (the official client is synchronous)."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from sim.api import ApiSettings, add_clob_routes
from sim.exchange import Exchange, ExchangeConfig, MarketSpec

T = TypeVar("T")

UP = "8851848546962572193739008211889046036776198486765606333032192644001246174440"
DOWN = "10181859819235412241349111952383458602722012323104397550162049365057126390549"
CID = "0x2e6af11e4b853b05ba7135239b21d77e808889b6ce1e735de856c94c4e5b5fce"


def market_spec() -> MarketSpec:
    start = int(time.time()) // 900 * 900
    return MarketSpec(
        slug=f"btc-updown-15m-{start}",
        series="btc-15m",
        condition_id=CID,
        question_id="0x" + "f6" * 32,
        token_ids=(UP, DOWN),
        window_start_s=start,
        window_end_s=start + 900,
    )


class ServerThread:
    """Runs the app on its own loop; :meth:`call` runs a function on that loop (the exchange's thread)."""

    def __init__(
        self, config: ExchangeConfig | None = None, settings: ApiSettings | None = None, seed: int = 1
    ) -> None:
        # Takers execute at once unless a test configures the venue's taker delay.
        self.exchange = Exchange(time.time, random.Random(seed), config or ExchangeConfig(taker_delay_ms=0))
        self.exchange.add_market(market_spec())
        self._settings = settings or ApiSettings(advance_interval_s=0.05)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0
        self._runner: web.AppRunner | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        add_clob_routes(app, self.exchange, self._settings)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> ServerThread:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._runner is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, fn: Callable[[], T]) -> T:
        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)
