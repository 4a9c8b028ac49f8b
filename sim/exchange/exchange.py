"""The exchange façade: markets, accounts, orders, trades, and the events they produce."""

from __future__ import annotations

import heapq
import random
import uuid
from collections.abc import Callable

from sim.exchange import lifecycle, trading
from sim.exchange.accounts import Accounts
from sim.exchange.config import ExchangeConfig
from sim.exchange.events import Event
from sim.exchange.heartbeats import Heartbeats
from sim.exchange.markets import MarketSpec
from sim.exchange.money import fmt_micro
from sim.exchange.orders import Order, Trade
from sim.exchange.publish import book_events
from sim.exchange.state import MarketState
from sim.exchange.trading import OrderRejected, OrderRequest

__all__ = ["Exchange", "OrderRejected", "OrderRequest"]


class Exchange:
    """A pure, single-threaded venue core. Every call takes the time from the injected clock and
    every id from the seeded RNG, so the same seed and the same calls give the same trades."""

    def __init__(
        self, clock: Callable[[], float], rng: random.Random, config: ExchangeConfig | None = None
    ) -> None:
        self.clock = clock
        self.rng = rng
        self.config = config or ExchangeConfig()
        self.accounts = Accounts()
        self.heartbeats = Heartbeats(rng, self.config.heartbeat_timeout_ms)
        self._markets: dict[str, MarketState] = {}
        self._token_market: dict[str, str] = {}
        self._orders: dict[str, Order] = {}
        self._open: dict[str, dict[str, Order]] = {}
        self._trades: dict[str, Trade] = {}
        self._pending: list[Trade] = []
        self._expiry: list[tuple[int, int, str]] = []
        #: Marketable API orders waiting out the taker delay: (due ms, seq, order id).
        self._delayed: list[tuple[int, int, str]] = []
        self._listeners: list[Callable[[Event], None]] = []
        self._seq = 0
        heapq.heapify(self._expiry)

    # --- plumbing -----------------------------------------------------------------------------

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    def _emit(self, events: list[Event]) -> None:
        for event in events:
            for listener in self._listeners:
                listener(event)

    def _new_hex32(self) -> str:
        return "0x" + f"{self.rng.getrandbits(256):064x}"

    def _new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # --- markets ------------------------------------------------------------------------------

    def add_market(self, spec: MarketSpec) -> None:
        if spec.condition_id in self._markets:
            return
        self._markets[spec.condition_id] = MarketState(spec=spec, tick_micro=spec.tick_size_micro)
        for token in spec.token_ids:
            self._token_market[token] = spec.condition_id

    def market(self, condition_id: str) -> MarketState | None:
        return self._markets.get(condition_id)

    def market_for_token(self, token_id: str) -> MarketState | None:
        cid = self._token_market.get(token_id)
        return self._markets[cid] if cid else None

    def markets(self) -> list[MarketState]:
        return list(self._markets.values())

    def set_tick_size(self, condition_id: str, tick_size_micro: int) -> None:
        state = self._markets[condition_id]
        old, state.tick_micro = state.tick_micro, tick_size_micro
        if old == tick_size_micro:
            return
        ts = self.now_ms()
        events = [
            Event(
                "market",
                condition_id,
                (token,),
                {
                    "event_type": "tick_size_change",
                    "asset_id": token,
                    "market": condition_id,
                    "old_tick_size": fmt_micro(old),
                    "new_tick_size": fmt_micro(tick_size_micro),
                    "timestamp": str(ts),
                },
            )
            for token in state.spec.token_ids
        ]
        self._emit([*events, *book_events(state, ts)])

    def close_market(self, condition_id: str) -> None:
        self._markets[condition_id].accepting = False

    # --- accounts -----------------------------------------------------------------------------

    def ensure_account(self, account_id: str, address: str | None = None, pusd_micro: int = 0) -> bool:
        """Create an account with an opening balance; returns False (and changes nothing) if it exists.

        A new account is announced as an ``account_created`` event on the ``account`` channel (no
        owner, so no websocket sees it), which the chain settlement bridge uses to fund wallets."""
        created = self.accounts.ensure(account_id, address, pusd_micro)[1]
        if created:
            payload = {"event_type": "account_created", "account_id": account_id, "address": address,
                       "pusd_micro": pusd_micro}
            self._emit([Event("account", "", (), payload)])
        return created

    def credit(self, account_id: str, pusd_micro: int) -> None:
        """Add (or with a negative amount, remove) collateral, e.g. after a merge or a redeem on chain."""
        self.accounts.get(account_id).cash_micro += pusd_micro

    def adjust_position(self, account_id: str, token_id: str, delta_micro: int) -> None:
        self.accounts.get(account_id).positions_micro[token_id] += delta_micro

    # --- queries ------------------------------------------------------------------------------

    def book(self, token_id: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        state = self.market_for_token(token_id)
        if state is None:
            raise KeyError(token_id)
        return state.token_levels(token_id)

    def order(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    def orders(self, owner: str | None = None) -> list[Order]:
        return [o for o in self._orders.values() if owner is None or o.owner == owner]

    def open_orders(self, owner: str) -> list[Order]:
        return list(self._open.get(owner, {}).values())

    def trades(self, owner: str | None = None) -> list[Trade]:
        if owner is None:
            return list(self._trades.values())
        return [
            t
            for t in self._trades.values()
            if t.taker_owner == owner or any(f.owner == owner for f in t.makers)
        ]

    def trade(self, trade_id: str) -> Trade | None:
        return self._trades.get(trade_id)

    def pending_trades(self) -> list[Trade]:
        """Trades not yet CONFIRMED or FAILED (their balance changes are applied, not yet final)."""
        return list(self._pending)

    def account_open_orders(self, account_id: str) -> list[Order]:
        """Resting orders of one account, whichever API key placed them."""
        return [o for owned in self._open.values() for o in owned.values() if o.account_id == account_id]

    def heartbeat(self, owner: str, heartbeat_id: str) -> tuple[bool, str]:
        """Chain a heartbeat for an API key: (accepted, next id) or (False, expected id)."""
        return self.heartbeats.beat(owner, heartbeat_id, self.now_ms())

    # --- trading and time ---------------------------------------------------------------------

    def submit(self, req: OrderRequest) -> dict[str, object]:
        """Validate, match and (GTC/GTD) rest an order; raises OrderRejected with the venue's text."""
        return trading.submit(self, req, delay=True)

    def submit_internal(
        self,
        account_id: str,
        token_id: str,
        side: str,
        price_micro: int,
        size_micro: int,
        order_type: str = "GTC",
        post_only: bool = False,
        delay: bool = False,
    ) -> dict[str, object]:
        """Background traders' entry: no signature, same rules; a rejection returns ``success: False``.
        With ``delay`` a marketable order waits out the taker delay (``sim.exchange.delay``)."""
        return trading.submit_internal(
            self, account_id, token_id, side, price_micro, size_micro, order_type, post_only, delay
        )

    def cancel(self, owner: str, order_id: str) -> bool:
        return trading.cancel(self, owner, order_id)

    def cancel_internal(self, account_id: str, order_id: str) -> bool:
        return trading.cancel(self, account_id, order_id)

    def cancel_orders(self, owner: str, order_ids: list[str]) -> dict[str, object]:
        return trading.cancel_orders(self, owner, order_ids)

    def cancel_all(self, owner: str) -> dict[str, object]:
        return trading.cancel_all(self, owner)

    def cancel_market_orders(self, owner: str, market: str = "", asset_id: str = "") -> dict[str, object]:
        return trading.cancel_market_orders(self, owner, market, asset_id)

    def advance(self) -> None:
        """Run the time-driven work due now: trade states, GTD expiry, the heartbeat dead-man."""
        lifecycle.advance(self)

    def resolve(self, condition_id: str, winning_index: int) -> None:
        """Stop trading, cancel resting orders (CANCELED_MARKET_RESOLVED), announce the winner."""
        lifecycle.resolve(self, condition_id, winning_index)

    def fail_trade(self, trade_id: str) -> None:
        """Fault hook: the pending trade ends FAILED and its balance changes are reversed."""
        lifecycle.fail_trade(self, trade_id)

    def publish(self, event: Event) -> None:
        """Send an event to every listener (e.g. ``new_market`` from the world)."""
        self._emit([event])
