"""The executor scaled out (``runner.instances.executor`` > 1): a key per instance, series handed over.

Keys. Each instance signs its L2 requests with an API key of its own: the wallet's key for the L1
nonce ``key_nonce`` of its instance name (``workers.credentials``: stable across restarts, distinct
between instances and, with ``runner.host_tag``, between machines), created or derived at start
(``/auth/api-key``, ``/auth/derive-api-key``: reference §5.1-5.2). The venue keeps per API key the
heartbeat chain (its dead-man cancels that key's orders only), the open orders a key reads and
cancels (``/data/orders``, ``cancel-all``, ``cancel-market-orders``) and the user channel's events
(the ``owner`` of an order is an API-key uuid, §3.2); so one instance's stop, lost heartbeat or
reconciliation never touches another's orders. The rate buckets are the signer's (§5.10): each
instance plans with its share, ``1/N`` with ``N`` live instances, set again at every change of its
series.

Every instance registers its name in ``EXEC_INSTANCES_KEY`` (names only: a key is derived again
from the wallet when needed, never stored); feed-user follows each registered key's user channel.

Handover. A lost series' markets are forgotten and their orders cancelled with this instance's key
at once. Before a gained series' first intent is handled, the orders resting on its markets under
every other registered instance's key are cancelled with that key (derived from the same wallet:
the venue lets the signer act for any of its keys): a dead owner's orders go at the takeover,
within the lease, rather than at its key's dead-man 10 s after its last heartbeat, which stays the
safety net when this sweep cannot reach the venue. Cancelling a live peer's orders on a series it
no longer owns is what that peer would do itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence

from common import state
from common.bus import streams
from common.clob.auth import ApiCreds
from common.runner import Context
from common.runner.lease import members_key
from common.schemas.exec import ExecReport
from common.schemas.market import MarketRecord
from workers.credentials import EXEC_INSTANCES_KEY, instance_key, key_nonce, l1_client
from workers.executor.core.config import ExecutorConfig


async def own_key(ctx: Context) -> ApiCreds:
    """This instance's API key, created or derived from the venue; then its name registered."""
    creds = await instance_key(ctx.settings, ctx.clock, ctx.instance)
    await ctx.redis.sadd(EXEC_INSTANCES_KEY, ctx.instance)
    return creds


async def markets_of(ctx: Context, series: Sequence[str]) -> list[str]:
    """The condition ids of the series' windows discovery published and not yet closed."""
    records = await state.get_all(ctx.redis, state.MARKETS, MarketRecord)
    return sorted({r.condition_id for r in records.values() if r.series in series and not r.closed})


async def sweep_peers(ctx: Context, markets: Sequence[str]) -> int:
    """Cancel the orders every other registered instance's key rests on ``markets``; how many.
    Each peer's key is derived once and kept (``ctx.resources["peer_keys"]``): a takeover then
    costs the cancels alone."""
    raw = await ctx.redis.smembers(EXEC_INSTANCES_KEY)
    peers = sorted(p.decode() if isinstance(p, bytes) else str(p) for p in raw)
    known: dict[str, ApiCreds] = ctx.resources.setdefault("peer_keys", {})
    cancelled = 0
    client = l1_client(ctx.settings, ctx.clock)
    try:
        await client.sync_time()
        for peer in peers:
            if peer == ctx.instance:
                continue
            if peer in known:
                client.creds = known[peer]
            else:
                known[peer] = await client.create_or_derive_api_key(key_nonce(peer))
            if not markets:
                continue
            results = await asyncio.gather(*(client.cancel_market_orders(condition_id=m) for m in markets))
            swept = {m: r.canceled for m, r in zip(markets, results, strict=True) if r.canceled}
            if swept:
                await report_swept(ctx, peer, swept)
            cancelled += sum(len(ids) for ids in swept.values())
    finally:
        await client.aclose()
    return cancelled


async def report_swept(ctx: Context, peer: str, swept: Mapping[str, Sequence[str]]) -> None:
    """The peer's orders cancelled here: a ``cancelled`` report each on ``exec`` (the peer cannot
    say it any more), and out of ``state:orders``."""
    now = ctx.clock.now_ms()
    pipe = ctx.redis.pipeline(transaction=False)
    for market, ids in swept.items():
        for order_id in ids:
            report = ExecReport(kind="cancelled", market=market, order_id=order_id, reason=f"swept from {peer}",
                                at_ms=now)  # fmt: skip
            pipe.xadd(streams.EXEC, ctx.writer.fields(report, key=market, event_ms=now, ingest_ms=now))
        pipe.hdel(state.ORDERS, *ids)
    await pipe.execute()
    ctx.log.warning("peer_orders_cancelled", peer=peer, orders=sum(len(i) for i in swept.values()),
                    markets=sorted(swept))  # fmt: skip


async def live_instances(ctx: Context) -> int:
    """The executor instances alive now: the leases' members whose registration has not run out
    on the server's clock (a dead one's runs out within a lease); at least this one."""
    seconds, micros = await ctx.redis.time()
    now_ms = int(seconds) * 1000 + int(micros) // 1000
    return max(1, int(await ctx.redis.zcount(members_key(ctx.name), now_ms, "+inf")))


def budget_share(cfg: ExecutorConfig, instances: int) -> ExecutorConfig:
    """The rate budget of one of ``instances`` executors sharing the signer's buckets (§5.10)."""
    return dataclasses.replace(
        cfg, order_rate_per_s=max(1, cfg.order_rate_per_s // instances),
        order_burst=max(1, cfg.order_burst // instances),
        cancel_rate_per_s=max(1, cfg.cancel_rate_per_s // instances),
        cancel_burst=max(cfg.cancel_reserve + 1, cfg.cancel_burst // instances),
    )  # fmt: skip
