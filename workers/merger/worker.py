"""merger: full sets back into collateral during the window, winners redeemed after it resolves.

Reads the ledger's positions (``state:positions``, polled every :data:`POLL_S`) and the windows'
lifecycle (``markets``); acts on chain through ``common.chain``'s :class:`EoaGateway` (nonce-safe,
intents persisted under ``<data_dir>/merger/intents``, every action planned from on-chain
balances), or for a Protocol V2 market its :class:`ProtocolV2Gateway` (the Router and the
PositionManager; same signer lock and intent store); after each confirmed action publishes an
``InventoryAction`` on ``inventory`` and asks the CLOB to refresh its balances (``GET
/balance-allowance/update``). At start it makes sure the exchanges may spend our collateral and
tokens (reference §8.2) and the Router may burn our V2 positions. The private key lives only here
and in the executor; it is never logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from web3 import AsyncHTTPProvider, AsyncWeb3

from common import state
from common.bus import streams
from common.bus.envelope import Envelope
from common.chain import EoaGateway, FileIntentStore
from common.chain.protocol_v2 import ProtocolV2Gateway
from common.chain.retry import is_retryable
from common.clob.client import AsyncClobClient
from common.clob.protocol import conditional_asset_type, is_v2_position_id
from common.runner import Context, Emit, Input, WorkerSpec
from common.schemas.market import MarketLifecycle
from common.schemas.positions import MarketPosition
from workers.credentials import api_creds, wait_for_credentials
from workers.merger.chain import ChainSetup, chain_setup, ensure_exchange_approvals
from workers.merger.core import Action, MergerCore, merge_action, redeem_action
from workers.merger.journal import Journal

#: How often positions are read and actions planned.
POLL_S = 1.0
#: Pause between attempts to reach the emulator / node at start.
START_RETRY_S = 1.0
#: While the chain stays unreachable at start, one warning per this many attempts.
START_WARN_EVERY = 30


def _condition(market: str) -> bytes:
    return bytes.fromhex(market.removeprefix("0x"))


def _gateway(ctx: Context, market: str) -> EoaGateway | ProtocolV2Gateway:
    """The CTF's gateway, or the Router's for a Protocol V2 market: its condition id is the market
    id padded with a zero byte, so it has the shape of its outcome 0's position id."""
    if is_v2_position_id(str(int(market.removeprefix("0x"), 16))):
        v2: ProtocolV2Gateway | None = ctx.resources.get("v2_gateway")
        if v2 is None:
            raise RuntimeError(f"{market} is a Protocol V2 market and the chain has no Router")
        return v2
    gateway: EoaGateway = ctx.resources["gateway"]
    return gateway


async def setup(ctx: Context) -> None:
    s = ctx.settings
    if s.wallet.private_key is None:
        raise RuntimeError("the merger needs wallet.private_key (the secrets directory, or UPDOWN_WALLET__PRIVATE_KEY)")
    data = Path(s.data_dir) / "merger"
    store = FileIntentStore(data / "intents")
    attempts = 0
    while True:
        try:
            chain = await chain_setup(s)
            break
        except Exception as exc:  # the emulator (or node) may still be starting, or run without a chain
            if attempts % START_WARN_EVERY == 0:
                ctx.log.warning("chain_unreachable", error=repr(exc), attempts=attempts)
            attempts += 1
            if not await ctx.sleep(START_RETRY_S):
                return
    w3 = AsyncWeb3(AsyncHTTPProvider(s.venue.chain_rpc_url))
    gateway = EoaGateway(w3, s.wallet.private_key, chain.contracts, store, chain_id=s.venue.chain_id)
    v2 = chain.v2_contracts
    v2_gateway = None if v2 is None else ProtocolV2Gateway(w3, s.wallet.private_key, v2, store,
                                                            chain_id=s.venue.chain_id)  # fmt: skip
    ctx.resources.update(gateway=gateway, v2_gateway=v2_gateway, w3=w3, journal=Journal.load(data),
                         core=MergerCore(), client=None)  # fmt: skip
    # In sim mode the wallet is created (and funded on chain) with its API credentials: wait for them.
    creds = await wait_for_credentials(ctx)
    approvals = await _approve(ctx, w3, chain, store)
    if approvals is None:
        return  # stopping
    ctx.log.info("merger_ready", address=gateway.address, target=chain.contracts.target, approvals_sent=approvals)
    if creds is not None:
        client = AsyncClobClient(s.venue.clob_url, ctx.clock, address=gateway.address, creds=api_creds(creds))
        await client.sync_time()
        ctx.resources["client"] = client
        await refresh(ctx, ())  # the venue sees the approvals (§8.2)


async def _approve(ctx: Context, w3: AsyncWeb3[Any], chain: ChainSetup, store: FileIntentStore) -> int | None:
    """Send the exchange and adapter approvals, retrying while they cannot go (no gas yet, node
    busy) instead of crash-looping; None when asked to stop first."""
    s = ctx.settings
    assert s.wallet.private_key is not None
    attempts = 0
    while True:
        try:
            approvals = await ensure_exchange_approvals(w3, s.wallet.private_key, chain, store,
                                                        s.venue.chain_id)  # fmt: skip
            await ctx.resources["gateway"].ensure_target_approved()
            if ctx.resources["v2_gateway"] is not None:
                await ctx.resources["v2_gateway"].ensure_target_approved()  # the Router burns V2 positions
            return len(approvals)
        except Exception as exc:
            if attempts % START_WARN_EVERY == 0:
                ctx.log.warning("approvals_pending", error=repr(exc)[:300], attempts=attempts,
                                hint="the wallet needs gas (POL) and the node must answer")  # fmt: skip
            attempts += 1
            if not await ctx.sleep(START_RETRY_S):
                return None


async def teardown(ctx: Context) -> None:
    if ctx.resources.get("client") is not None:
        await ctx.resources["client"].aclose()
    if ctx.resources.get("w3") is not None:
        await ctx.resources["w3"].provider.disconnect()


async def on_markets(ctx: Context, env: Envelope) -> Sequence[Emit]:
    body = env.body
    if isinstance(body, MarketLifecycle) and body.phase == "resolved" and "core" in ctx.resources:
        ctx.resources["core"].on_resolved(body.condition_id, body.slug, body.at_ms)
    return []


async def positions(ctx: Context) -> dict[str, MarketPosition]:
    """The ledger's market positions (the account beside them in the hash left out)."""
    return await state.market_positions(ctx.redis)


async def run(ctx: Context) -> None:
    if "core" not in ctx.resources:
        return  # stopped during setup
    while not ctx.stopping.is_set():
        if ctx.active:
            try:
                await tick(ctx)
            except Exception as exc:  # one failed round must not stop recycling; the next one re-plans
                ctx.log.warning("merger_round_failed", error=repr(exc))
        if not await ctx.sleep(POLL_S):
            return


async def tick(ctx: Context) -> None:
    journal: Journal = ctx.resources["journal"]
    for intent_id, (market, slug, amount) in list(journal.open_merges.items()):
        await merge(ctx, market, slug, amount, intent_id)  # left open by a crash: settle and publish it
    held = await positions(ctx)
    core: MergerCore = ctx.resources["core"]
    for action in core.next_actions(held, ctx.clock.now_ms()):
        try:
            if action.kind == "merge":
                await merge(ctx, action.market, action.slug, action.amount_micro)
            else:
                await redeem(ctx, action, held[action.market])
        except Exception as exc:  # the market waits its interval; the others go on
            ctx.log.warning(f"{action.kind}_failed", market=action.market, error=repr(exc))
            if action.kind == "merge":
                core.merged(action.market, ctx.clock.now_ms())
            else:
                core.redeemed(action.market, ctx.clock.now_ms(), tokens_left=True)


async def merge(ctx: Context, market: str, slug: str, amount_micro: int, intent_id: str | None = None) -> None:
    journal: Journal = ctx.resources["journal"]
    gateway = _gateway(ctx, market)
    intent_id = intent_id or journal.open_merge(market, slug, amount_micro)
    try:
        result = await gateway.merge(_condition(market), amount_micro, intent_id=intent_id)
    except Exception as exc:
        if not is_retryable(exc):  # a revert or a misconfiguration: this intent is over
            journal.close_merge(intent_id)
        raise
    now_ms = ctx.clock.now_ms()
    if result.done_micro > 0:
        action = merge_action(market, slug, intent_id, result.done_micro, result.tx_hash, now_ms)
        await ctx.publish(streams.INVENTORY, action, key=market)
        ctx.log.info("merged", market=market, sets_micro=result.done_micro, tx_hash=result.tx_hash)
    journal.close_merge(intent_id)
    ctx.resources["core"].merged(market, now_ms)
    if result.done_micro > 0:
        await refresh(ctx, await _tokens(ctx, market))


async def redeem(ctx: Context, action: Action, position: MarketPosition) -> None:
    journal: Journal = ctx.resources["journal"]
    gateway = _gateway(ctx, action.market)
    condition = _condition(action.market)
    before = await gateway.balances(condition)
    result = await gateway.redeem(condition)
    now_ms = ctx.clock.now_ms()
    published = journal.redeemed_published.get(action.market, 0)
    burned = (max(0, before[0] - result.remaining[0]), max(0, before[1] - result.remaining[1]))
    if result.redeemed_total_micro > published or any(burned):
        body = redeem_action(action.market, action.slug, result.redeemed_total_micro,
                             result.redeemed_total_micro - published, burned, result.tx_hash, now_ms)
        await ctx.publish(streams.INVENTORY, body, key=action.market)
        journal.published_redeem(action.market, result.redeemed_total_micro)
        ctx.log.info("redeemed", market=action.market, collateral_micro=body.collateral_micro, tx_hash=result.tx_hash)
        await refresh(ctx, tuple(o.token_id for o in position.outcomes))
    ctx.resources["core"].redeemed(action.market, now_ms, tokens_left=sum(result.remaining) > 0)


async def _tokens(ctx: Context, market: str) -> tuple[str, ...]:
    position = await state.get(ctx.redis, state.POSITIONS, market, MarketPosition)
    return tuple(o.token_id for o in position.outcomes) if position else ()


async def refresh(ctx: Context, token_ids: Sequence[str]) -> None:
    """Ask the venue to re-read our balances from the chain (reference §5.1, §8.2)."""
    client: Any = ctx.resources.get("client")
    if client is None:
        return
    sig = ctx.settings.wallet.signature_type
    try:
        await client.balance_allowance("COLLATERAL", signature_type=sig, refresh=True)
        for token in token_ids:
            await client.balance_allowance(conditional_asset_type(token), token_id=token, signature_type=sig,
                                           refresh=True)  # fmt: skip
    except Exception as exc:  # the venue also refreshes on its own; a missed refresh only delays it
        ctx.log.warning("balance_refresh_failed", error=repr(exc))


SPEC = WorkerSpec(name="merger", inputs=(Input(streams.MARKETS),), handle=on_markets, source=run, setup=setup,
                  teardown=teardown, writes=(streams.INVENTORY,))  # fmt: skip
