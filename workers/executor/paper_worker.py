"""executor (paper mode): the same inputs and outputs as the live executor; orders never leave.

Our orders rest in a ``PaperVenue`` fed from ``book.<series>`` (and seeded from
``state:book:<token>`` when a window is first quoted), and fill by queue position. Its fills and
order events go out on ``fills`` and ``orders`` in the user feed's schema, so that the ledger
cannot tell the difference. No keys are needed. Paper orders live in this process only: a restart
starts from an empty paper book (the ledger keeps the fills already published).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from common import state
from common.bus import streams
from common.bus.envelope import Envelope
from common.clob.client import CancelResult, OrderResult, Sent
from common.config.errors import ConfigError
from common.config.settings import Settings
from common.money import MICRO_PER_UNIT
from common.runner import Context, Emit, Input, WorkerSpec
from common.schemas.book import BookDelta, BookSnapshot, LastTrade
from common.schemas.intent import Intent
from common.schemas.market import MarketLifecycle, MarketRecord
from common.schemas.user import Fill, OrderEvent, UserTrade
from common.series import series_keys
from workers.executor.core import PlaceSpec, paper_order_id
from workers.executor.driver import Driver
from workers.executor.gateway import VenueEvent
from workers.executor.latency import now_ms_float
from workers.executor.paper.venue import Output, PaperVenue
from workers.executor.worker import DONE_PHASES, build, intent_streams, on_control, run, teardown

#: The owner our paper orders carry (there is no API key in paper mode).
PAPER_OWNER = "paper"


def book_streams(settings: Settings) -> list[str]:
    return [streams.book(key) for key in series_keys(settings)]


class PaperGateway:
    """``Gateway`` over a ``PaperVenue``; trade ids carry the run's start so they never repeat."""

    def __init__(self, venue: PaperVenue, run_id: str, clock_ms: Callable[[], int]) -> None:
        self.venue = venue
        self._now = clock_ms
        self.owner = venue.owner
        self._run_id = run_id
        self._sequence = itertools.count(1)
        self._heartbeats = itertools.count(1)
        self._pending: list[VenueEvent] = []
        self.seeded: set[str] = set()
        #: token id -> the other outcome's token of the same window.
        self.complement: dict[str, str] = {}

    def prepare(self, spec: PlaceSpec, now_ms: int) -> tuple[str, tuple[str, PlaceSpec]]:
        order_id = paper_order_id(spec, now_ms, next(self._sequence))
        return order_id, (order_id, spec)

    async def post(self, legs: Sequence[tuple[str, PlaceSpec]], sent: Sent) -> list[OrderResult]:
        sent.at_ms = now_ms_float()  # nothing leaves the machine: the paper venue takes it now
        results, out = self.venue.post(list(legs))
        self._pending += self.adopt(out)
        return results

    async def cancel(self, order_ids: Sequence[str], sent: Sent | None = None) -> CancelResult:
        if sent is not None:
            sent.at_ms = now_ms_float()  # nothing leaves the machine: the paper venue takes it now
        result, out = self.venue.cancel(list(order_ids))
        self._pending += self.adopt(out)
        return result

    async def cancel_market(self, market: str) -> CancelResult:
        result, out = self.venue.cancel_market(market)
        self._pending += self.adopt(out)
        return result

    async def cancel_all(self) -> CancelResult:
        return await self.cancel(list(self.venue.resting))

    async def heartbeat(self, prev_id: str) -> str:
        return f"paper-{next(self._heartbeats)}"

    async def sync_time(self) -> int:
        return 0  # the paper venue runs on our clock

    async def snapshot(self, trades_after_s: int) -> tuple[list[OrderEvent], list[UserTrade]]:
        now = self._now()
        events = [OrderEvent(order_id=o.order_id, owner=self.owner, market=o.spec.slot.market,
                             asset_id=o.spec.slot.token_id, side=o.spec.slot.side, kind="PLACEMENT", status="LIVE",
                             raw_status="LIVE", order_type=o.spec.order_type, price_micro=o.spec.price_micro,
                             original_size_micro=o.spec.size_micro, size_matched_micro=o.matched_micro,
                             venue_ts_ms=now, recv_ts_ms=now) for o in self.venue.resting.values()]  # fmt: skip
        return events, []

    def take_events(self) -> list[VenueEvent]:
        out, self._pending = self._pending, []
        return out

    def adopt(self, out: list[Output]) -> list[VenueEvent]:
        """The paper venue's output with run-unique trade and fill ids."""
        events: list[VenueEvent] = []
        for event in out:
            if isinstance(event, Fill):
                event = event.model_copy(update={"trade_id": f"{self._run_id}-{event.trade_id}",
                                                 "fill_id": f"{self._run_id}-{event.fill_id}"})  # fmt: skip
            events.append(event)
        return events

    async def aclose(self) -> None:
        return None


async def setup(ctx: Context) -> None:
    if ctx.leases is not None:
        # Each instance would read every intent (the paper venue is in the process): one only.
        raise ConfigError("the paper executor runs one instance: leave executor out of runner.instances")
    venue = PaperVenue(PAPER_OWNER, ctx.clock.now_ms)
    await build(ctx, PaperGateway(venue, str(ctx.clock.now_ms()), ctx.clock.now_ms), watch_user_feed=False)


async def seed_books(ctx: Context, gateway: PaperGateway, intent: Intent) -> None:
    """A window quoted for the first time: start from the latest full books feed-book keeps."""
    if intent.condition_id in gateway.seeded:
        return
    gateway.seeded.add(intent.condition_id)
    record = await state.get(ctx.redis, state.MARKETS, intent.slug, MarketRecord)
    if record is not None and len(record.token_ids) == 2:
        up, down = record.token_ids
        gateway.complement.update({up: down, down: up})
    for token in {o.token_id for o in intent.orders} | {t.token_id for t in intent.takers}:
        raw = await ctx.redis.get(state.book_key(token))
        if raw is not None:
            gateway.venue.on_snapshot(BookSnapshot.model_validate_json(raw))


def mirror(trade: LastTrade, other_token: str) -> LastTrade:
    """The same match seen from the other outcome's book: a BUY of Down at p sold Up at 1 - p.

    The venue prints a trade on the taker's token only, while the two outcomes share one book
    (a Down ask at p is an Up bid at 1 - p): our Up bid's queue is consumed by Down prints too.
    """
    side = "SELL" if trade.side == "BUY" else "BUY"
    return trade.model_copy(update={"asset_id": other_token, "side": side,
                                    "price_micro": MICRO_PER_UNIT - trade.price_micro})  # fmt: skip


async def handle(ctx: Context, env: Envelope) -> Sequence[Emit]:
    driver: Driver = ctx.resources["driver"]
    gateway: PaperGateway = ctx.resources["gateway"]
    venue = gateway.venue
    body: Any = env.body
    if isinstance(body, Intent):
        await seed_books(ctx, gateway, body)
        await driver.on_intent(env)
    elif isinstance(body, BookSnapshot):
        await driver.on_venue_events(gateway.adopt(venue.on_snapshot(body)))
    elif isinstance(body, BookDelta):
        await driver.on_venue_events(gateway.adopt(venue.on_delta(body)))
    elif isinstance(body, LastTrade):
        out = venue.on_trade(body)
        other = gateway.complement.get(body.asset_id)
        if other is not None:
            out += venue.on_trade(mirror(body, other))
        await driver.on_venue_events(gateway.adopt(out))
    elif isinstance(body, MarketLifecycle) and body.phase in DONE_PHASES:
        await driver.on_window_done(body.condition_id)
    return []


SPEC = WorkerSpec(
    name="executor",
    inputs=(Input(intent_streams), Input(book_streams, group="executor-paper", start_id="$"), Input(streams.MARKETS)),
    handle=handle,
    source=run,
    setup=setup,
    teardown=teardown,
    on_control=on_control,
    writes=(streams.EXEC, streams.FILLS, streams.ORDERS),
)
