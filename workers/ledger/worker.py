"""ledger: fills, merges/redeems, market records and resolutions, executor reports and marks ->
positions, the account and per-window summaries on ``positions`` and in ``state:positions`` /
``state:pnl``.

One core (``workers.ledger.core.Ledger``) for the whole account. Every input that changes it is
persisted before it is acked (``workers.ledger.store``): a restart replays the persisted log and
ends with the books it had. ``orders`` is not read: an order event moves no money (fills do), and
the counts of quotes come from the executor's reports on ``exec``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence

from common import state
from common.bus import streams
from common.bus.envelope import Envelope
from common.config.settings import Settings
from common.runner import Context, Emit, Input, WorkerSpec
from common.schemas.base import Message
from common.schemas.book import BestBidAsk
from common.schemas.exec import ExecReport
from common.schemas.inventory import InventoryAction
from common.schemas.market import MarketLifecycle, MarketRecord
from common.schemas.user import Fill
from common.series import series_keys
from workers.ledger import compact, metrics, store
from workers.ledger.core import window_summary
from workers.ledger.ops import Books, Op, total_summary
from workers.ledger.start_cash import check_against_venue, initial_cash

#: Positions re-published on marks alone at most this often per market (fills publish at once).
MARK_PUBLISH_INTERVAL_MS = 1_000
#: The stream each changing body arrives on (one writer per stream: the type says the stream).
STREAM_OF: dict[type[Message], str] = {Fill: streams.FILLS, InventoryAction: streams.INVENTORY,
                                       MarketRecord: streams.MARKETS, MarketLifecycle: streams.MARKETS}  # fmt: skip


def book_streams(settings: Settings) -> list[str]:
    return [streams.book(key) for key in series_keys(settings)]


async def setup(ctx: Context) -> None:
    first_start = await store.load_initial_cash(ctx.redis) is None
    cash = await initial_cash(ctx)
    if cash is None:
        return  # stopping
    ctx.resources["initial_cash_micro"] = cash
    ctx.resources["lock"] = asyncio.Lock()
    ctx.resources["marked_ms"] = {}
    books = await reload(ctx)
    if not first_start:
        await check_against_venue(ctx, books)
    ctx.resources["compacted_ms"] = None
    await forget_what_is_over(ctx)


async def reload(ctx: Context) -> Books:
    books, hwm = await store.restore(ctx.redis, ctx.resources["initial_cash_micro"])
    ctx.resources["books"], ctx.resources["hwm"] = books, hwm
    ctx.log.info("books_restored", markets=len(books.ledger.markets), cash_micro=books.ledger.cash_micro())
    return books


async def current_books(ctx: Context) -> Books:
    """The books in memory; rebuilt from Redis when a failed write left them ahead of it."""
    books: Books | None = ctx.resources.get("books")
    return books if books is not None else await reload(ctx)


def already_applied(ctx: Context, stream: str, entry_id: str) -> bool:
    mark = ctx.resources["hwm"].get(stream)
    return mark is not None and store.parse_id(entry_id) <= mark


async def handle(ctx: Context, env: Envelope) -> Sequence[Emit]:
    body = env.body
    if isinstance(body, BestBidAsk):
        return await on_mark(ctx, body)
    if isinstance(body, ExecReport):
        if not body.market:
            return []  # not about one window: nothing to count
        async with ctx.resources["lock"]:
            await on_exec_report(ctx, env, body)
        return []
    stream = STREAM_OF.get(type(body))
    if stream is None:
        return []  # other book events, other market notices
    async with ctx.resources["lock"]:
        emits = await on_change(ctx, env, stream)
        await forget_what_is_over(ctx)
        return emits


async def forget_what_is_over(ctx: Context) -> None:
    """At most every ``compact.COMPACT_INTERVAL_MS``: windows over for good leave the log and the hashes."""
    now_ms, last = ctx.clock.now_ms(), ctx.resources["compacted_ms"]
    if last is not None and now_ms - last < compact.COMPACT_INTERVAL_MS:
        return
    books = await current_books(ctx)
    try:
        gone = await compact.compact(ctx.redis, books, now_ms, ctx.settings.ledger.closed_window_retention_s * 1000,
                                     ctx.settings.bus.dedupe_ttl_s * 1000)  # fmt: skip
    except BaseException:
        ctx.resources["books"] = None  # memory is ahead of Redis: rebuild before the next input
        raise
    ctx.resources["compacted_ms"] = now_ms
    if gone:
        ctx.log.info("windows_forgotten", markets=len(gone), kept=len(books.ledger.markets))


async def on_change(ctx: Context, env: Envelope, stream: str) -> list[Emit]:
    """Apply an input (the core dedupes fills by trade, order and status, merges and redeems by op id,
    records by content, resolutions by market), persist what changed, emit the positions."""
    books = await current_books(ctx)
    ops = books.ops_for(env.body)
    # An entry at or below the mark was persisted before a crash and not acked: emit its outputs again.
    redelivered = already_applied(ctx, stream, env.id)
    try:
        changed = [op for op in ops if books.apply(op)]
        shown = ops if redelivered else changed
        emits, hashes = outputs(books, _markets(shown), ctx.clock.now_ms(), _resolutions(shown))
        if changed or not redelivered:
            await store.persist(ctx.redis, stream, None if redelivered else env.id, changed, hashes)
    except BaseException:
        ctx.resources["books"] = None  # memory may be ahead of Redis now: rebuild before the retry
        raise
    if not redelivered:
        ctx.resources["hwm"][stream] = store.parse_id(env.id)
    for op in changed:
        if isinstance(op.body, Fill):
            ctx.log.info("fill_booked", fill_id=op.body.fill_id, market=op.market)
    metrics.observe(emits)
    return emits


def _markets(ops: Sequence[Op]) -> list[str]:
    return list(dict.fromkeys(op.market for op in ops))


def _resolutions(ops: Sequence[Op]) -> list[str]:
    return [op.market for op in ops if op.kind == "resolve"]


def outputs(books: Books, markets: list[str], now_ms: int,
            resolved: Sequence[str] = ()) -> tuple[list[Emit], dict[str, dict[str, str]]]:  # fmt: skip
    """Positions of the markets touched and the account, their window summaries (in ``state:pnl``
    while open too; on ``positions`` when they resolve: ``resolved``) and the total of resolved windows."""
    if not markets:
        return [], {}
    emits: list[Emit] = []
    positions: dict[str, str] = {}
    pnl: dict[str, str] = {}
    for market in markets:
        position = books.ledger.position(market, now_ms)
        emits.append(Emit(streams.POSITIONS, position, key=market))
        positions[market] = position.model_dump_json()
        summary = window_summary(books.ledger, market, now_ms)
        pnl[summary.slug or market] = summary.model_dump_json()
        if market in resolved:
            emits.append(Emit(streams.POSITIONS, summary, key=market))
    account = books.ledger.account(now_ms)
    emits.append(Emit(streams.POSITIONS, account, key="account"))
    positions["account"] = account.model_dump_json()
    if resolved:  # the running total moves when a window closes (the report adds up open ones itself)
        every = [window_summary(books.ledger, m, now_ms) for m in list(books.ledger.markets) if books.resolved(m)]
        carried = [books.closed_total] if books.closed_total is not None else []
        pnl["total"] = total_summary([*carried, *every], now_ms).model_dump_json()
    hashes = {state.POSITIONS: positions, state.PNL: pnl, store.RECYCLED_KEY: store.recycled_fields(books, markets)}
    return emits, hashes


async def on_exec_report(ctx: Context, env: Envelope, report: ExecReport) -> None:
    if already_applied(ctx, streams.EXEC, env.id):
        return
    books = await current_books(ctx)
    if report.market in books.forgotten:
        return  # a late report of a window already forgotten: nothing left to count it in
    counters = books.ledger.books(report.market).counters
    before = dataclasses.replace(counters)
    try:
        books.ledger.on_exec_report(report)
        deltas = store.counter_deltas(before, counters)
        summary = window_summary(books.ledger, report.market, ctx.clock.now_ms())
        await store.persist_counts(ctx.redis, streams.EXEC, env.id, report.market, deltas,
                                   {summary.slug or report.market: summary.model_dump_json()})  # fmt: skip
    except BaseException:
        ctx.resources["books"] = None
        raise
    ctx.resources["hwm"][streams.EXEC] = store.parse_id(env.id)


async def on_mark(ctx: Context, bba: BestBidAsk) -> list[Emit]:
    books: Books | None = ctx.resources.get("books")
    if books is None or bba.best_bid_micro is None or bba.best_ask_micro is None:
        return []
    books.ledger.on_mark(bba.asset_id, (bba.best_bid_micro + bba.best_ask_micro) // 2)
    held = books.ledger.markets.get(bba.market)
    if held is None or held.winner is not None or not any(h.shares_micro for h in held.state.holdings.values()):
        return []  # nothing to mark (a resolved window is marked at 1 or 0)
    now_ms = ctx.clock.now_ms()
    marked: dict[str, int] = ctx.resources["marked_ms"]
    if now_ms - marked.get(bba.market, 0) < MARK_PUBLISH_INTERVAL_MS:
        return []
    marked[bba.market] = now_ms
    emits, hashes = outputs(books, [bba.market], now_ms)
    await ctx.redis.hset(state.POSITIONS, mapping=hashes[state.POSITIONS])
    metrics.observe(emits)
    return emits


async def teardown(ctx: Context) -> None:
    """Leave the latest marks in ``state:positions`` for the end-of-run report (they are throttled)."""
    books: Books | None = ctx.resources.get("books")
    if books is None or not books.ledger.markets:
        return
    held = [m for m, b in books.ledger.markets.items() if b.winner is None and b.marks]
    _, hashes = outputs(books, held or list(books.ledger.markets)[-1:], ctx.clock.now_ms())
    await ctx.redis.hset(state.POSITIONS, mapping=hashes[state.POSITIONS])


SPEC = WorkerSpec(
    name="ledger",
    inputs=(Input(streams.FILLS), Input(streams.INVENTORY), Input(streams.MARKETS), Input(streams.EXEC),
            Input(book_streams, start_id="$")),
    handle=handle,
    setup=setup,
    teardown=teardown,
    writes=(streams.POSITIONS,),
)  # fmt: skip
