"""The ledger's starting cash, decided once, at its first start, and kept in Redis.

The venue is the record: in sim mode the emulator's faucet credits the account when its API key is
created, in live mode the wallet holds what it holds. So the first start reads the collateral
balance from the venue (``GET /balance-allowance``, L2-authenticated) and subtracts the cash effect
of what the ledger is about to consume (fills and merges on its input streams that its consumer group
has not acked: the venue's balance already includes them). It assumes nothing trades at that very
moment, which holds when the ledger starts with the rest of the bot, before the executor's first
order. Later starts only compare (``check_against_venue``) and log a difference.
Paper mode has no venue account: it starts from ``PAPER_STARTING_CASH_MICRO``.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
from eth_account import Account

from common.bus import streams
from common.bus.codec import DecodeError, decode
from common.clob.auth import ApiCreds
from common.clob.client import AsyncClobClient
from common.clock import Clock
from common.config import load_settings
from common.config.settings import Mode, Settings
from common.errors import UpdownError
from common.ops import alerts
from common.retry import Backoff
from common.runner import Context
from workers.ledger import store
from workers.ledger.core import Ledger
from workers.ledger.ops import Books

#: Paper mode's starting cash (the emulator's faucet credit, so that paper and sim runs compare).
PAPER_STARTING_CASH_MICRO = 10_000_000_000
#: Backoff between attempts to read the balance (credentials not derived yet, venue not up yet).
BALANCE_RETRY_INITIAL_MS, BALANCE_RETRY_MAX_MS = 500, 5_000
#: Entries read per XRANGE when adding up what the streams already hold.
SCAN_CHUNK = 1_000
#: The ledger's consumer group (the worker's name).
GROUP = "ledger"


async def initial_cash(ctx: Context) -> int | None:
    """The persisted starting cash, or the first start's decision; None when asked to stop first."""
    known = await store.load_initial_cash(ctx.redis)
    if known is not None:
        return known
    if ctx.settings.mode is Mode.PAPER:
        return await store.save_initial_cash(ctx.redis, PAPER_STARTING_CASH_MICRO)
    balance = await venue_balance(ctx)
    if balance is None:
        return None
    pending = await cash_effect_of_streams(ctx.redis)
    ctx.log.info("starting_cash", balance_micro=balance, already_on_streams_micro=pending)
    return await store.save_initial_cash(ctx.redis, balance - pending)


def _client(settings: Settings, clock: Clock) -> AsyncClobClient | None:
    wallet = settings.wallet
    if not (wallet.private_key and wallet.api_key and wallet.api_secret and wallet.api_passphrase):
        return None
    # L2 requests name the signer's address; only that public address is kept from the key.
    address = Account.from_key(wallet.private_key.get_secret_value()).address
    creds = ApiCreds(api_key=wallet.api_key.get_secret_value(), secret=wallet.api_secret,
                     passphrase=wallet.api_passphrase)  # fmt: skip
    return AsyncClobClient(settings.venue.clob_url, clock, address=address, creds=creds)


async def read_balance(settings: Settings, clock: Clock) -> int | None:
    """Our collateral balance on the venue, or None without credentials; raises when unreachable."""
    client = _client(settings, clock)
    if client is None:
        return None
    try:
        await client.sync_time()
        answer = await client.balance_allowance("COLLATERAL", signature_type=settings.wallet.signature_type)
        return answer.balance_micro
    finally:
        await client.aclose()


async def venue_balance(ctx: Context) -> int | None:
    """Our collateral balance on the venue; waits for credentials and the venue; None if stopping."""
    backoff = Backoff(BALANCE_RETRY_INITIAL_MS, BALANCE_RETRY_MAX_MS)
    while not ctx.stopping.is_set():
        try:
            balance = await read_balance(ctx.settings, ctx.clock)
            if balance is not None:
                return balance
            ctx.log.warning("waiting_for_credentials", reason="the starting cash is read from the venue")
        except (UpdownError, httpx.HTTPError) as exc:
            ctx.log.warning("balance_unavailable", error=repr(exc))
        if not await ctx.sleep(backoff.next_delay_s()):
            return None
        ctx.settings = load_settings()  # sim mode derives the credentials after the emulator starts
    return None


async def check_against_venue(ctx: Context, books: Books) -> None:
    """On a restart, compare the books (plus what is still to consume) with the venue's balance.

    A difference is logged, not corrected: trades in flight explain one in the middle of a run, but
    a large one at the start of a run means these books belong to another account or another venue
    (a fresh emulator behind an old Redis)."""
    if ctx.settings.mode is Mode.PAPER:
        return
    try:
        balance = await read_balance(ctx.settings, ctx.clock)
    except (UpdownError, httpx.HTTPError) as exc:
        ctx.log.warning("balance_unavailable", error=repr(exc))
        return
    if balance is None:
        return
    expected = books.ledger.cash_micro() + await cash_effect_of_streams(ctx.redis, books)
    alert = alerts.ledger_mismatch(expected, balance, ctx.instance, ctx.clock.now_ms())
    if alert is not None:
        ctx.log.warning("venue_cash_mismatch", books_micro=expected, venue_micro=balance,
                        difference_micro=balance - expected)  # fmt: skip
        await ctx.redis.xadd(streams.ALERTS, ctx.writer.fields(alert, key=alert.kind),
                             maxlen=streams.ALERTS_MAXLEN, approximate=True)  # fmt: skip


async def cash_effect_of_streams(redis: Any, books: Books | None = None, group: str = GROUP) -> int:
    """The cash change of what the ledger's group has yet to consume on its money streams, on top of
    ``books`` (a copy: later statuses of fills already booked are not new fills)."""
    books = Books(Ledger(0)) if books is None else copy.deepcopy(books)
    before = books.ledger.cash_micro()
    for stream in (streams.MARKETS, streams.FILLS, streams.INVENTORY):
        start = await _unconsumed_from(redis, stream, group)
        while True:
            entries = await redis.xrange(stream, min=start, count=SCAN_CHUNK)
            for _, fields in entries:
                try:
                    body = decode(fields).body
                except DecodeError:
                    continue  # the consumer dead-letters it too
                for op in books.ops_for(body):
                    books.apply(op)
            if len(entries) < SCAN_CHUNK:
                break
            start = "(" + _text(entries[-1][0])
    return books.ledger.cash_micro() - before


async def _unconsumed_from(redis: Any, stream: str, group: str) -> str:
    """The first id the group will still see: its oldest pending entry, else past its last delivered."""
    if not await redis.exists(stream):
        return "-"
    for info in await redis.xinfo_groups(stream):
        if _text(info["name"]) != group:
            continue
        if int(info["pending"]):
            return _text((await redis.xpending(stream, group))["min"])
        return "(" + _text(info["last-delivered-id"])
    return "-"  # no group yet: it will read the stream from the start (Input start_id "0")


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
