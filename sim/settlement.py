"""Settlement of the exchange's trades on the local chain, as the real venue's operator does it.

Accounts that trade with a wallet (keyed by their address: API-key accounts and proxy funders, not
the emulator's background traders) are **chain-backed**: the chain holds their collateral and
outcome tokens, and the exchange's balances are a view of it.

- A new chain-backed account is funded on chain with what the faucet credited (and gas ETH).
- The wallet approves the operator (the emulator's stand-in for the CTF Exchange: the chain's
  operator account) for its collateral and its CTF tokens, as reference §8.2 requires of an EOA.
  The bot's merger does that at start; until then pulls from the account fail and stay owed.
- A trade is settled when it reaches **CONFIRMED**: the emulator decides FAILED only at the
  MINED → CONFIRMED step, so settling at CONFIRMED means a FAILED trade never touches the chain
  and nothing has to be undone. The trade's balance changes (its ledger: notional, fees, shares)
  are netted per account and settled off the tick every :data:`SETTLE_INTERVAL_S`: the operator
  pulls what the account gives (``transferFrom`` collateral, ``safeBatchTransferFrom`` tokens) and
  delivers what it receives from its own inventory, splitting freshly minted collateral into full
  sets for any shortfall. Fees stay with the operator. The other side of a trade with a background
  trader is the operator's inventory.
- Merges and redeems are sent by the wallet itself; the exchange learns them through
  :meth:`SettlementBridge.sync` (on ``GET /balance-allowance/update``, as the real venue refreshes
  its cache, and every :data:`SYNC_INTERVAL_S`): exchange balance = chain balance + owed (confirmed,
  not yet settled) + pending (MATCHED/MINED) trade changes. Resting orders no longer covered are
  cancelled, so reservations never exceed holdings.

The exchange is changed only on the server's event loop; the chain is used only in jobs on the
server's chain thread (``sim.chain.thread``: ``LocalChain`` is not thread-safe, and py-evm's
transactions, tens of ms each, would otherwise stall every answer and websocket of the venue).
A round takes the owed changes out, settles them on the thread and puts back what did not settle;
a sync reads the chain on the thread and applies it on the loop; the two never interleave.
Nothing here imports the bot's ``common`` package.

This module is the bridge (the exchange's events, the rounds, what runs on the loop); beside it:
``settlement_owed`` (the owed changes, the counters), ``settlement_chain`` (the chain thread's
side), ``settlement_sync`` (a sync's exchange side) and ``settlement_routes`` (the HTTP side),
whose public names are importable from here too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from eth_utils import to_checksum_address

from sim.chain.allowances import Allowances
from sim.chain.thread import ChainThread
from sim.exchange.exchange import Exchange
from sim.settlement_chain import BINARY_PARTITION, SETTLE_GAS, ZERO_COLLECTION, Batch, ChainSettler, Markets
from sim.settlement_owed import Owed, SettlementStats, by_contract
from sim.settlement_routes import (
    BALANCE_UPDATE_PATH,
    CHAIN_INFO_PATH,
    add_settlement_routes,
    balance_refresh_middleware,
)
from sim.settlement_sync import apply_chain, tokens_to_read

__all__ = [
    "BALANCE_UPDATE_PATH",
    "BINARY_PARTITION",
    "CHAIN_INFO_PATH",
    "FAILED_RETRY_S",
    "RPC_PATH",
    "SETTLED_TRADES_KEPT",
    "SETTLE_GAS",
    "SETTLE_INTERVAL_S",
    "SYNC_INTERVAL_S",
    "ZERO_COLLECTION",
    "Owed",
    "SettlementBridge",
    "SettlementStats",
    "add_settlement_routes",
    "balance_refresh_middleware",
    "by_contract",
    "wallet_keyed",
]

log = logging.getLogger("sim.settlement")

#: Period of the settlement task: confirmed trades wait at most this long for the chain.
SETTLE_INTERVAL_S = 0.25
#: Every chain-backed account is refreshed from the chain this often (merges, redeems, transfers).
SYNC_INTERVAL_S = 5.0
#: An account whose settlement failed (no approval, no balance) is tried again after this long.
FAILED_RETRY_S = 1.0
#: Trade ids remembered so that each trade is settled once (its CONFIRMED event has one per party).
SETTLED_TRADES_KEPT = 100_000
RPC_PATH = "/chain/rpc"


def wallet_keyed(account_id: str, address: str | None) -> bool:
    """API-key accounts (and proxy funders) are keyed by their lower-case wallet address."""
    return address is not None and account_id == address.lower()


class SettlementBridge:
    """Subscribes to the exchange, moves chain-backed balances on chain, syncs the exchange back.

    The exchange is only read and changed on the caller's (the server loop's) thread; the chain
    only in ``chain_thread``'s jobs, each given what it needs and handing back what it found."""

    def __init__(self, exchange: Exchange, chain: Any,
                 is_wallet: Callable[[str, str | None], bool] = wallet_keyed,
                 chain_thread: ChainThread | None = None) -> None:  # fmt: skip
        self.exchange = exchange
        self.chain = chain
        self.is_wallet = is_wallet
        self.chain_thread = chain_thread or ChainThread()
        #: account id → checksum address of every chain-backed account.
        self.wallets: dict[str, str] = {}
        self.owed: dict[str, Owed] = {}
        self.stats = SettlementStats()
        self.allowances = Allowances(chain, self.chain_thread)
        #: The chain's side: used only in ``chain_thread``'s jobs.
        self.on_chain = ChainSettler(chain, self.allowances, self.stats)
        self._settled: OrderedDict[str, None] = OrderedDict()
        self._retry_at: dict[str, float] = {}
        self._round = asyncio.Lock()  # a settling round and a sync never interleave their halves
        for account in exchange.accounts.all():
            self._register(account.account_id, account.address, account.cash_micro)
        exchange.subscribe(self.on_event)

    # --- exchange events -------------------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        payload = event.payload
        kind = payload.get("event_type")
        if kind == "account_created":
            self._register(payload["account_id"], payload.get("address"), int(payload.get("pusd_micro") or 0))
        elif kind == "trade" and payload.get("status") == "CONFIRMED":
            self._on_confirmed(str(payload["id"]))

    def _register(self, account_id: str, address: str | None, pusd_micro: int) -> None:
        if address is None or account_id in self.wallets or not self.is_wallet(account_id, address):
            return
        checksum = to_checksum_address(address)
        self.wallets[account_id] = checksum
        self.chain_thread.post(self.on_chain.fund, checksum, pusd_micro)

    def _on_confirmed(self, trade_id: str) -> None:
        if trade_id in self._settled:
            return
        self._settled[trade_id] = None
        if len(self._settled) > SETTLED_TRADES_KEPT:
            self._settled.popitem(last=False)
        trade = self.exchange.trade(trade_id)
        if trade is None:
            return
        ours = [e for e in trade.ledger if e.account_id in self.wallets]
        for entry in ours:
            self.owed.setdefault(entry.account_id, Owed()).add(entry)
        if ours:
            self.stats.trades += 1

    # --- settling --------------------------------------------------------------------------------

    def settle(self) -> None:
        """Settle every owed balance change now (one batch per account and direction); an account
        whose last attempt failed waits :data:`FAILED_RETRY_S` (a wallet that has not approved yet).
        Inline, on the caller's thread: :meth:`settle_round` is the server's."""
        started = time.perf_counter()
        batch = self._take(self._due())
        self._put_back(batch, self.on_chain.settle(batch, self._markets_of(batch)))
        self.stats.settle_s += time.perf_counter() - started

    async def settle_round(self) -> None:
        """:meth:`settle` with its chain transactions on the chain's thread: the loop serves meanwhile."""
        async with self._round:
            started = time.perf_counter()
            batch = self._take(self._due())
            if batch:
                failed = await self.chain_thread.run(self.on_chain.settle, batch, self._markets_of(batch))
                self._put_back(batch, failed)
            self.stats.settle_s += time.perf_counter() - started

    def _due(self) -> list[str]:
        now = time.monotonic()
        return [a for a in self.owed if now >= self._retry_at.get(a, 0.0)]

    def _take(self, account_ids: list[str]) -> Batch:
        """The accounts' owed changes, taken out of :attr:`owed` for a chain job: (wallet, owed)."""
        return {a: (self.wallets[a], self.owed.pop(a)) for a in account_ids if a in self.owed}

    def _markets_of(self, batch: Batch) -> Markets:
        """Condition and protocol of every token the batch delivers (the operator may mint sets)."""
        out: Markets = {}
        for _, owed in batch.values():
            for token, amount in owed.tokens_micro.items():
                market = self.exchange.market_for_token(token) if amount > 0 else None
                if market is not None:
                    out[token] = (bytes.fromhex(market.spec.condition_id.removeprefix("0x")),
                                  market.spec.protocol_v2)  # fmt: skip
        return out

    def _put_back(self, batch: Batch, failed: set[str]) -> None:
        """What a chain job left unsettled goes back, beside what was confirmed meanwhile."""
        for account_id, (_, left) in batch.items():
            if account_id in failed:
                self._retry_at[account_id] = time.monotonic() + FAILED_RETRY_S
            if left.empty:
                continue
            owed = self.owed.setdefault(account_id, Owed())
            owed.cash_micro += left.cash_micro
            for token, amount in left.tokens_micro.items():
                owed.tokens_micro[token] = owed.tokens_micro.get(token, 0) + amount

    # --- syncing the exchange from the chain ------------------------------------------------------

    def sync(self, account_id: str, tokens_asked: tuple[str, ...] = ()) -> None:
        """Make the exchange's balances of a chain-backed account equal chain + owed + pending.

        Tokens looked at: those the exchange holds for it, those owed or pending, those of markets
        not yet resolved (tokens may arrive from outside the exchange) and ``tokens_asked``.
        Inline, on the caller's thread: :meth:`sync_round` is the server's."""
        wallet = self.wallets.get(account_id)
        if wallet is None:
            return
        started = time.perf_counter()
        self._retry_at.pop(account_id, None)  # asked to refresh: the wallet may have just approved
        batch = self._take([account_id])
        self._put_back(batch, self.on_chain.settle(batch, self._markets_of(batch)))
        groups = self._tokens_to_read(account_id, tokens_asked)
        self._sync_apply(account_id, *self.on_chain.read(wallet, groups))
        self.stats.sync_s += time.perf_counter() - started

    async def sync_round(self, account_id: str, tokens_asked: tuple[str, ...] = ()) -> None:
        """:meth:`sync` with its chain work on the chain's thread."""
        wallet = self.wallets.get(account_id)
        if wallet is None:
            return
        async with self._round:
            started = time.perf_counter()
            self._retry_at.pop(account_id, None)
            batch = self._take([account_id])
            if batch:
                self._put_back(batch, await self.chain_thread.run(self.on_chain.settle, batch, self._markets_of(batch)))
            groups = self._tokens_to_read(account_id, tokens_asked)
            self._sync_apply(account_id, *await self.chain_thread.run(self.on_chain.read, wallet, groups))
            self.stats.sync_s += time.perf_counter() - started

    def sync_all(self) -> None:
        for account_id in list(self.wallets):
            self.sync(account_id)

    async def sync_all_rounds(self) -> None:
        for account_id in list(self.wallets):
            await self.sync_round(account_id)

    def _tokens_to_read(self, account_id: str, tokens_asked: tuple[str, ...]) -> list[list[str]]:
        return tokens_to_read(self.exchange, account_id, self.owed.get(account_id, Owed()), tokens_asked)

    def _sync_apply(self, account_id: str, cash_on_chain: int, held: dict[str, int]) -> None:
        # What is owed is looked up now, after the chain was read: trades confirmed meanwhile count.
        apply_chain(self.exchange, account_id, self.owed.get(account_id, Owed()), cash_on_chain, held, self.stats)

    # --- the server's side -----------------------------------------------------------------------

    async def run(self, settle_interval_s: float = SETTLE_INTERVAL_S, sync_interval_s: float = SYNC_INTERVAL_S) -> None:
        """Settle owed changes and periodically sync every wallet, off the exchange's tick and, once
        the chain's thread is started, off the loop."""
        next_sync = time.monotonic() + sync_interval_s
        while True:
            try:
                await self.settle_round()
                if time.monotonic() >= next_sync:
                    next_sync = time.monotonic() + sync_interval_s
                    await self.sync_all_rounds()
            except Exception:  # the venue keeps running; the next round retries what is owed
                log.exception("settlement round failed")
            await asyncio.sleep(settle_interval_s)

    def chain_info(self) -> dict[str, Any]:
        chain = self.chain
        # The operator settles every trade: it stands in for both exchanges (CTF Exchange V2 and
        # ExchangeV3), so it is the spender a wallet approves for either kind of market.
        return {"chain_id": chain.chain_id, "rpc_path": RPC_PATH, "ctf": chain.ctf_address,
                "collateral": chain.collateral_address, "exchange": chain.operator,
                "exchange_v3": chain.operator, "position_manager": chain.v2.position_manager_address,
                "protocol_v2_router": chain.v2.router_address,
                "settlement": self.stats.as_json(), "owed_accounts": len(self.owed)}
