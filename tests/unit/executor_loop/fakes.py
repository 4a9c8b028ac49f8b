"""A scripted venue behind the ``Gateway`` interface, and a driver wired to fake Redis."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import fakeredis

from common import logs
from common.bus.writer import Writer
from common.clob.client import CancelResult, OrderResult, Sent
from common.clock import ManualClock
from common.config.settings import Settings
from common.errors import NetworkError
from common.runner import Context
from common.schemas.intent import ChurnTolerance, DesiredOrder, Intent
from common.schemas.user import OrderEvent, UserTrade
from workers.executor.core import DEFAULT_CONFIG, ExecutorConfig, ExecutorCore, PlaceSpec
from workers.executor.driver import Driver
from workers.executor.gateway import VenueEvent
from workers.executor.upkeep import Upkeep

MARKET = "0x" + "ab" * 32
UP, DOWN = "101", "102"
CHURN = ChurnTolerance(min_move_ticks=1, min_size_change_ppm=100_000, max_replaces_per_s=100)


@dataclass
class FakeGateway:
    owner: str = "key-1"
    #: Exceptions the next posts / cancels raise, in order (then they succeed).
    post_errors: list[BaseException] = field(default_factory=list)
    #: The next posts that never reach the venue (refused before anything is written).
    refused_posts: int = 0
    cancel_errors: list[BaseException] = field(default_factory=list)
    posts: list[list[str]] = field(default_factory=list)
    cancels: list[list[str]] = field(default_factory=list)
    cancel_alls: int = 0
    #: What the venue holds: order id -> spec (ambiguous submits land too).
    book: dict[str, PlaceSpec] = field(default_factory=dict)
    #: The order's local state when its POST went out (recorded before the POST?).
    states_at_post: list[str] = field(default_factory=list)
    core: ExecutorCore | None = None
    #: When set, every cancel waits for it (a slow venue).
    cancel_gate: asyncio.Event | None = None
    #: Called with the posted ids while the POST is in flight (e.g. a user-feed event that beats the answer).
    during_post: Callable[[list[str]], Awaitable[None]] | None = None
    #: Heartbeats sent, and when set, every heartbeat waits for it before its answer (a slow venue).
    heartbeats: int = 0
    heartbeat_gate: asyncio.Event | None = None
    #: Reads of the venue's time, and snapshots taken (reconciliations).
    time_syncs: int = 0
    snapshots: int = 0
    _specs: dict[str, PlaceSpec] = field(default_factory=dict)

    def prepare(self, spec: PlaceSpec, now_ms: int) -> tuple[str, Any]:
        order_id = "0x" + hashlib.sha256(f"{spec}{now_ms}{len(self._specs)}".encode()).hexdigest()
        self._specs[order_id] = spec
        return order_id, order_id

    async def post(self, legs: Sequence[Any], sent: Sent) -> list[OrderResult]:
        await asyncio.sleep(0)
        if self.refused_posts:
            self.refused_posts -= 1
            raise NetworkError("connection refused")
        sent.at_ms = time.time_ns() / 1e6
        ids = list(legs)
        self.posts.append(ids)
        if self.core is not None:
            self.states_at_post += [o.state.value for i in ids if (o := self.core.tracker.get(i)) is not None]
        error = self.post_errors.pop(0) if self.post_errors else None
        if error is not None and "429" in str(error):
            raise error
        for i in ids:
            self.book[i] = self._specs[i]
        if self.during_post is not None:
            await self.during_post(ids)
        if error is not None:
            raise error  # the engine took the orders, the answer is lost
        return [OrderResult(i, i, True, "live", "", None, None, ()) for i in ids]

    async def cancel(self, order_ids: Sequence[str], sent: Sent | None = None) -> CancelResult:
        await asyncio.sleep(0)
        if sent is not None and sent.at_ms is None:
            sent.at_ms = time.time_ns() / 1e6
        self.cancels.append(list(order_ids))
        if self.cancel_gate is not None:
            await self.cancel_gate.wait()
        if self.cancel_errors:
            raise self.cancel_errors.pop(0)
        done = [i for i in order_ids if self.book.pop(i, None) is not None]
        return CancelResult(tuple(done), {i: "not found" for i in order_ids if i not in done})

    async def cancel_market(self, market: str) -> CancelResult:
        return await self.cancel([i for i, s in self.book.items() if s.slot.market == market])

    async def cancel_all(self) -> CancelResult:
        self.cancel_alls += 1
        return await self.cancel(list(self.book))

    async def heartbeat(self, prev_id: str) -> str:
        self.heartbeats += 1
        if self.heartbeat_gate is not None:
            await self.heartbeat_gate.wait()
        return f"hb-{len(prev_id)}"

    async def sync_time(self) -> int:
        self.time_syncs += 1
        return 0

    async def snapshot(self, trades_after_s: int) -> tuple[list[OrderEvent], list[UserTrade]]:
        self.snapshots += 1
        return [self.event(i, "LIVE") for i in self.book], []

    def event(self, order_id: str, status: str) -> OrderEvent:
        s = self._specs[order_id]
        return OrderEvent(order_id=order_id, owner=self.owner, market=s.slot.market, asset_id=s.slot.token_id,
                          side=s.slot.side, kind="PLACEMENT", status=status, raw_status=status,
                          price_micro=s.price_micro, original_size_micro=s.size_micro, size_matched_micro=0,
                          venue_ts_ms=1, recv_ts_ms=1)  # fmt: skip

    def take_events(self) -> list[VenueEvent]:
        return []

    async def aclose(self) -> None:
        return None


def intent(prices: Sequence[int], now_ms: int, *, valid_ms: int = 10_000, ident: str = "i1") -> Intent:
    orders = tuple(DesiredOrder(outcome=o, token_id=t, price_micro=p, size_micro=10_000_000, level=i)
                   for i, p in enumerate(prices) for o, t in (("UP", UP), ("DOWN", DOWN)))  # fmt: skip
    return Intent(intent_id=ident, series="btc-updown-5m", slug="btc-updown-5m-1", condition_id=MARKET,
                  tick_micro=10_000, created_ms=now_ms, valid_until_ms=now_ms + valid_ms, mode="ACTIVE",
                  regime="test", reason="quoting", target_total_micro=800_000, orders=orders, churn=CHURN)  # fmt: skip


def make_driver(gateway: FakeGateway, *, watch_user_feed: bool = False,
                config: ExecutorConfig = DEFAULT_CONFIG) -> tuple[Driver, Upkeep, ManualClock]:  # fmt: skip
    clock = ManualClock()
    redis = fakeredis.aioredis.FakeRedis()
    settings = Settings()
    ctx = Context(name="executor", instance="executor-0", settings=settings, redis=redis,
                  writer=Writer(redis, "executor", settings.bus, clock), log=logs.get_logger("executor"),
                  clock=clock)  # fmt: skip
    core = ExecutorCore(config, clock.now_ms(), owner=gateway.owner, monotonic_ms=clock.monotonic_ms)
    gateway.core = core
    driver = Driver(ctx, core, gateway, tick_s=0.01)
    return driver, Upkeep(driver, watch_user_feed=watch_user_feed), clock


async def started(gateway: FakeGateway, config: ExecutorConfig = DEFAULT_CONFIG) -> tuple[Driver, Upkeep]:
    """A driver whose heartbeat is armed and whose first reconciliation is done: ready to place."""
    driver, upkeep, _ = make_driver(gateway, config=config)
    await upkeep.keepalive.beat()  # heartbeat armed
    await upkeep.tick()  # first reconciliation
    await settle(driver)
    return driver, upkeep


async def settle(driver: Driver) -> None:
    """Let every request task finish."""
    for _ in range(20):
        await driver.wait_all(1.0)
        await asyncio.sleep(0)
