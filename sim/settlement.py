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
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from eth_utils import to_checksum_address

from sim.chain.allowances import Allowances
from sim.chain.protocol_v2 import is_v2_token, market_id
from sim.chain.thread import ChainThread
from sim.exchange.exchange import Exchange
from sim.exchange.orders import BUY, SELL, LedgerEntry

log = logging.getLogger("sim.settlement")

#: Period of the settlement task: confirmed trades wait at most this long for the chain.
SETTLE_INTERVAL_S = 0.25
#: Every chain-backed account is refreshed from the chain this often (merges, redeems, transfers).
SYNC_INTERVAL_S = 5.0
#: An account whose settlement failed (no approval, no balance) is tried again after this long.
FAILED_RETRY_S = 1.0
#: Gas limit of the operator's transactions; explicit, so py-evm skips its estimation runs.
SETTLE_GAS = 1_000_000
#: Trade ids remembered so that each trade is settled once (its CONFIRMED event has one per party).
SETTLED_TRADES_KEPT = 100_000
ZERO_COLLECTION = b"\x00" * 32
BINARY_PARTITION = [1, 2]
CHAIN_INFO_PATH = "/sim/chain"
BALANCE_UPDATE_PATH = "/balance-allowance/update"
RPC_PATH = "/chain/rpc"


def by_contract(amounts: dict[str, int]) -> list[dict[str, int]]:
    """``amounts`` split by the ERC-1155 holding each token: CTF position ids, then Protocol V2 ones."""
    ctf = {t: q for t, q in amounts.items() if not is_v2_token(int(t))}
    v2 = {t: q for t, q in amounts.items() if is_v2_token(int(t))}
    return [group for group in (ctf, v2) if group]


def wallet_keyed(account_id: str, address: str | None) -> bool:
    """API-key accounts (and proxy funders) are keyed by their lower-case wallet address."""
    return address is not None and account_id == address.lower()


@dataclass
class Owed:
    """Balance changes of one account not (yet) on chain, signed as the account sees them."""

    cash_micro: int = 0
    tokens_micro: dict[str, int] = field(default_factory=dict)

    def add(self, entry: LedgerEntry) -> None:
        self.cash_micro += entry.cash_delta_micro
        if entry.shares_delta_micro:
            self.tokens_micro[entry.token_id] = self.tokens_micro.get(entry.token_id, 0) + entry.shares_delta_micro

    @property
    def empty(self) -> bool:
        return not self.cash_micro and not any(self.tokens_micro.values())


@dataclass
class SettlementStats:
    trades: int = 0
    transactions: int = 0
    failed_transactions: int = 0
    settle_s: float = 0.0
    syncs: int = 0
    sync_s: float = 0.0
    corrections: int = 0
    orders_released: int = 0

    def as_json(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


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
        self._settled: OrderedDict[str, None] = OrderedDict()
        self._warned: set[str] = set()
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
        self.chain_thread.post(self._fund, checksum, pusd_micro)

    def _fund(self, wallet: str, pusd_micro: int) -> None:
        """On the chain's thread: the faucet's credit on chain, and the wallet's (no) approvals."""
        self.chain.fund(wallet, pusd_micro)
        self.allowances.read(wallet)

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
        self._put_back(batch, self._settle_batch(batch, self._markets_of(batch)))
        self.stats.settle_s += time.perf_counter() - started

    async def settle_round(self) -> None:
        """:meth:`settle` with its chain transactions on the chain's thread: the loop serves meanwhile."""
        async with self._round:
            started = time.perf_counter()
            batch = self._take(self._due())
            if batch:
                failed = await self.chain_thread.run(self._settle_batch, batch, self._markets_of(batch))
                self._put_back(batch, failed)
            self.stats.settle_s += time.perf_counter() - started

    def _due(self) -> list[str]:
        now = time.monotonic()
        return [a for a in self.owed if now >= self._retry_at.get(a, 0.0)]

    def _take(self, account_ids: list[str]) -> dict[str, tuple[str, Owed]]:
        """The accounts' owed changes, taken out of :attr:`owed` for a chain job: (wallet, owed)."""
        return {a: (self.wallets[a], self.owed.pop(a)) for a in account_ids if a in self.owed}

    def _markets_of(self, batch: dict[str, tuple[str, Owed]]) -> dict[str, tuple[bytes, bool]]:
        """Condition and protocol of every token the batch delivers (the operator may mint sets)."""
        out: dict[str, tuple[bytes, bool]] = {}
        for _, owed in batch.values():
            for token, amount in owed.tokens_micro.items():
                market = self.exchange.market_for_token(token) if amount > 0 else None
                if market is not None:
                    out[token] = (bytes.fromhex(market.spec.condition_id.removeprefix("0x")),
                                  market.spec.protocol_v2)  # fmt: skip
        return out

    def _put_back(self, batch: dict[str, tuple[str, Owed]], failed: set[str]) -> None:
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

    def _settle_batch(self, batch: dict[str, tuple[str, Owed]], markets: dict[str, tuple[bytes, bool]]) -> set[str]:
        """On the chain's thread: settle each owed batch; the accounts with a failed leg."""
        failed = set()
        for account_id, (wallet, owed) in batch.items():
            failures = self.stats.failed_transactions
            self._settle_account(wallet, owed, markets)
            if self.stats.failed_transactions > failures:
                failed.add(account_id)
        return failed

    def _settle_account(self, wallet: str, owed: Owed, markets: dict[str, tuple[bytes, bool]]) -> None:
        """Chain only: the legs of one account's owed changes; ``owed`` keeps what did not settle."""
        chain, operator = self.chain, self.chain.operator
        pay = chain.collateral.functions.transferFrom(wallet, operator, -owed.cash_micro)
        if owed.cash_micro < 0 and self._tx(pay):
            owed.cash_micro = 0
        for given in by_contract({t: -q for t, q in owed.tokens_micro.items() if q < 0}):
            if self._tx(chain.positions_contract(int(next(iter(given)))).functions.safeBatchTransferFrom(
                    wallet, operator, [int(t) for t in given], list(given.values()), b"")):
                for token in given:
                    owed.tokens_micro[token] = 0
        for received in by_contract({t: q for t, q in owed.tokens_micro.items() if q > 0}):
            for token, amount in received.items():
                shortfall = amount - chain.position_balance(operator, int(token))
                if shortfall > 0 and token in markets:
                    self._mint_full_sets(*markets[token], shortfall)
            if self._tx(chain.positions_contract(int(next(iter(received)))).functions.safeBatchTransferFrom(
                    operator, wallet, [int(t) for t in received], list(received.values()), b"")):
                for token in received:
                    owed.tokens_micro[token] = 0
        if owed.cash_micro > 0:
            shortfall = owed.cash_micro - chain.collateral_balance(operator)
            if shortfall > 0:
                self._tx(chain.collateral.functions.mint(operator, shortfall))
            if self._tx(chain.collateral.functions.transfer(wallet, owed.cash_micro)):
                owed.cash_micro = 0
        owed.tokens_micro = {t: q for t, q in owed.tokens_micro.items() if q}

    def _mint_full_sets(self, condition: bytes, protocol_v2: bool, amount_micro: int) -> None:
        """The operator's inventory of both outcomes grows by ``amount_micro`` (collateral it mints)."""
        chain = self.chain
        self._tx(chain.collateral.functions.mint(chain.operator, amount_micro))
        if protocol_v2:
            self._tx(chain.v2.router.functions.split(market_id(condition), amount_micro))
        else:
            self._tx(chain.ctf.functions.splitPosition(
                chain.collateral_address, ZERO_COLLECTION, condition, BINARY_PARTITION, amount_micro))

    def _tx(self, call: Any) -> bool:
        """One operator transaction, mined at once; False (logged) when it reverts."""
        self.stats.transactions += 1
        try:
            tx_hash = call.transact({"from": self.chain.operator, "gas": SETTLE_GAS})
            ok = int(self.chain.tester.get_transaction_receipt("0x" + bytes(tx_hash).hex())["status"]) == 1
        except Exception:  # eth-tester raises its own errors for malformed calls: still a failed leg
            log.debug("settlement transaction failed", exc_info=True)
            ok = False
        if not ok:
            self.stats.failed_transactions += 1
            # Retried every round until the wallet approves: say it once per kind of leg, not 4×/s.
            level = logging.DEBUG if call.fn_name in self._warned else logging.WARNING
            self._warned.add(call.fn_name)
            log.log(level, "settlement leg reverted (allowance or balance missing on chain?): %s", call.fn_name)
        return ok

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
        self._put_back(batch, self._settle_batch(batch, self._markets_of(batch)))
        groups = self._sync_tokens(account_id, tokens_asked)
        self._sync_apply(account_id, *self._read_chain(wallet, groups))
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
                self._put_back(batch, await self.chain_thread.run(self._settle_batch, batch, self._markets_of(batch)))
            groups = self._sync_tokens(account_id, tokens_asked)
            self._sync_apply(account_id, *await self.chain_thread.run(self._read_chain, wallet, groups))
            self.stats.sync_s += time.perf_counter() - started

    def sync_all(self) -> None:
        for account_id in list(self.wallets):
            self.sync(account_id)

    async def sync_all_rounds(self) -> None:
        for account_id in list(self.wallets):
            await self.sync_round(account_id)

    def _sync_tokens(self, account_id: str, tokens_asked: tuple[str, ...]) -> list[list[str]]:
        account = self.exchange.accounts.get(account_id)
        owed, pending = self.owed.get(account_id, Owed()), self._pending(account_id)
        live = {t for m in self.exchange.markets() if m.winner_index is None for t in m.spec.token_ids}
        tokens = sorted({t for t, n in account.positions_micro.items() if n} | set(owed.tokens_micro)
                        | set(pending.tokens_micro) | live | {t for t in tokens_asked if t.isdigit()})
        return [list(group) for group in by_contract(dict.fromkeys(tokens, 0))]

    def _read_chain(self, wallet: str, groups: list[list[str]]) -> tuple[int, dict[str, int]]:
        """On the chain's thread: the wallet's collateral and tokens (and its approvals, kept)."""
        held: dict[str, int] = {}
        for group in groups:
            ids = [int(t) for t in group]
            balances = self.chain.positions_contract(ids[0]).functions.balanceOfBatch([wallet] * len(ids), ids).call()
            held.update(zip(group, (int(b) for b in balances), strict=True))
        self.allowances.read(wallet)
        return self.chain.collateral_balance(wallet), held

    def _pending(self, account_id: str) -> Owed:
        expected = Owed()
        for trade in self.exchange.pending_trades():
            if trade.status in ("MATCHED", "MINED"):
                for entry in trade.ledger:
                    if entry.account_id == account_id:
                        expected.add(entry)
        return expected

    def _sync_apply(self, account_id: str, cash_on_chain: int, held: dict[str, int]) -> None:
        """On the loop, right after the chain was read: the exchange's balances made chain + owed + pending."""
        account = self.exchange.accounts.get(account_id)
        owed, expected = self.owed.get(account_id, Owed()), self._pending(account_id)
        cash = cash_on_chain + owed.cash_micro + expected.cash_micro
        if cash != account.cash_micro:
            self.stats.corrections += 1
            self.exchange.credit(account_id, cash - account.cash_micro)
        for token, on_chain in held.items():
            want = on_chain + owed.tokens_micro.get(token, 0) + expected.tokens_micro.get(token, 0)
            have = account.positions_micro.get(token, 0)
            if want != have:
                self.stats.corrections += 1
                self.exchange.adjust_position(account_id, token, want - have)
        self._release_uncovered(account_id)
        self.stats.syncs += 1

    def _release_uncovered(self, account_id: str) -> None:
        """Cancel the newest resting orders whose reservation the holdings no longer cover."""
        account = self.exchange.accounts.get(account_id)
        for order in sorted(self.exchange.account_open_orders(account_id), key=lambda o: o.seq, reverse=True):
            short = (order.side == SELL and account.available_shares_micro(order.token_id) < 0) or (
                order.side == BUY and account.available_cash_micro < 0)
            if short and self.exchange.cancel(order.owner, order.order_id):
                self.stats.orders_released += 1

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


def add_settlement_routes(app: web.Application, bridge: SettlementBridge) -> None:
    """``GET /sim/chain``: where the chain's contracts are and who the operator (the spender) is."""

    async def chain_info(request: web.Request) -> web.Response:
        return web.json_response(bridge.chain_info())

    app.router.add_get(CHAIN_INFO_PATH, chain_info)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def balance_refresh_middleware(bridge: SettlementBridge, account_of_key: Callable[[str], str | None]) -> Any:
    """Before ``GET /balance-allowance/update`` answers, refresh the caller's account from the chain.

    ``account_of_key`` maps the request's API key to its account id (None when unknown); the
    handler itself still authenticates the request, and a refresh only ever moves the exchange
    toward the chain's truth, so refreshing before the check reveals and changes nothing.
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == BALANCE_UPDATE_PATH:
            account_id = account_of_key(request.headers.get("POLY_API_KEY", ""))
            if account_id is not None:
                token = request.query.get("token_id", "")
                await bridge.sync_round(account_id, (token,) if token else ())
        return await handler(request)

    return middleware
