"""The cancel bench's venue: the emulator's CLOB and its RTDS socket in one child process, and the
mover that makes the reference price jump so that the fair value moves beyond the threshold.

Every ``1 / moves_per_s`` s the BTC price flips between two levels ``move_bps`` apart, around the
window's strike: the Binance lead's frame first, then the Chainlink oracle's at the same price, as
the emulator's RTDS sends them (``sim.rtds``). The frames leave the emulator as they would in a full
run; feed-ref receives them and stamps them, which is where ``tick_to_cancel`` starts.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

#: The price the mover flips around (USD), and the window's strike.
BASE_PRICE_USD = 100_000
E18 = 10**18
SERIES = "btc-1h"
CONDITION_ID = "0x" + "cb" * 32
UP, DOWN = "2001", "2002"


@dataclass(frozen=True)
class Plan:
    """The window and the moves: when it starts and ends (unix s), how far and how often."""

    start_s: int
    end_s: int
    move_bps: float
    moves_per_s: float

    @property
    def slug(self) -> str:
        return f"btc-updown-1h-{self.start_s}"

    def price_e18(self, move: int) -> int:
        """The price after ``move`` moves: alternately half a move above and below the strike."""
        half = BASE_PRICE_USD * self.move_bps / 20_000
        return round((BASE_PRICE_USD + (half if move % 2 else -half)) * E18)


def serve(port: int, plan: Plan) -> None:
    """The child process: CLOB (rate limits off, this one market, no traders) and RTDS on ``port``."""
    from aiohttp import web

    from sim.api import ApiSettings, add_clob_routes
    from sim.exchange import Exchange, ExchangeConfig, MarketSpec
    from sim.rtds import RtdsHub

    exchange = Exchange(time.time, random.Random(1), ExchangeConfig(rate_limits_enforced=False))
    exchange.add_market(MarketSpec(slug=plan.slug, series=SERIES, condition_id=CONDITION_ID,
                                   question_id="0x" + "f7" * 32, token_ids=(UP, DOWN), window_start_s=plan.start_s,
                                   window_end_s=plan.end_s))  # fmt: skip
    hub = RtdsHub(lambda: int(time.time() * 1000))
    app = web.Application()
    add_clob_routes(app, exchange, ApiSettings())
    hub.add_routes(app)

    async def start_mover(_: web.Application) -> None:
        app["mover"] = asyncio.ensure_future(move(hub, plan))

    app.on_startup.append(start_mover)
    web.run_app(app, host="127.0.0.1", port=port, print=None, handle_signals=True)


async def move(hub: object, plan: Plan) -> None:
    """Publish a lead frame and an oracle frame at every move, on a fixed schedule (no drift)."""
    from sim.rtds import RtdsHub
    from sim.world.feeds import FeedTick, Source

    assert isinstance(hub, RtdsHub)
    period_s, started, n, last_s = 1 / plan.moves_per_s, time.monotonic(), 0, 0
    while True:
        now_ms = int(time.time() * 1000)
        price = plan.price_e18(n)
        hub.publish(FeedTick(Source.BINANCE, "btc", "btcusdt", now_ms, now_ms, price))
        hub.publish(FeedTick(Source.CHAINLINK, "btc", "btc/usd", now_ms // 1000 * 1000, now_ms, price))
        if now_ms // 1000 != last_s:  # the TWAP prints once a second (a spot-rule window does not use it)
            last_s = now_ms // 1000
            hub.publish(FeedTick(Source.TWAP, "btc", "btc/usd", last_s * 1000, now_ms, price))
        n += 1
        await asyncio.sleep(max(0.0, started + n * period_s - time.monotonic()))
