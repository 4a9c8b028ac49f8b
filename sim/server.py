"""The emulator's server: one aiohttp application on a loopback port serving the CLOB (REST and its
websockets), Gamma under ``/gamma``, RTDS at ``/rtds`` and read-only world state at ``/sim/world``,
driven by a periodic tick that advances prices, windows, background traders and the exchange.

In server mode the clock follows the wall; tests pass a ``SimClock`` and call ``step()`` themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from aiohttp import web

from sim.chain.thread import ChainThread
from sim.exchange.config import ExchangeConfig
from sim.exchange.events import Event
from sim.exchange.exchange import Exchange
from sim.exchange.markets import MarketSpec
from sim.fault_routes import add_fault_routes
from sim.faults import FaultKind, FaultProfile, Faults, rest_fault_middleware
from sim.gamma import GammaSource, add_gamma_routes
from sim.polybolt import PolyBoltHub
from sim.rtds import RtdsHub
from sim.world.clock import SimClock, WallClock
from sim.world.config import WorldConfig
from sim.world.gamma_view import Quote
from sim.world.ticks import tick_for
from sim.world.trader_config import TraderConfig
from sim.world.traders import TraderPool
from sim.world.windows import ActionKind, Window, WindowAction
from sim.world.world import World

log = logging.getLogger("sim.server")

#: Period of the tick task that advances the world, the traders and the exchange.
TICK_MS = 50
#: Trade ids remembered to judge each new trade once for the TRADE_FAILED fault.
JUDGED_TRADES_KEPT = 100_000
#: Loopback only by default: the emulator holds no secrets but is not meant to be reachable.
DEFAULT_HOST = "127.0.0.1"


@dataclass(frozen=True)
class ServerConfig:
    host: str = DEFAULT_HOST
    port: int = 0
    tick_ms: int = TICK_MS
    faults: str = "none"
    #: A custom fault profile (tests); overrides ``faults`` when set.
    fault_profile: FaultProfile | None = None
    #: Run the local chain (py-evm with the real ConditionalTokens) and serve its JSON-RPC at
    #: ``/chain/rpc``; window conditions are then prepared and resolved on it. Off for light tests.
    chain: bool = False
    world: WorldConfig = field(default_factory=WorldConfig)
    traders: TraderConfig = field(default_factory=TraderConfig)
    exchange: ExchangeConfig = field(default_factory=ExchangeConfig)


def market_spec(window: Window, cfg: WorldConfig) -> MarketSpec:
    t = cfg.terms
    return MarketSpec(
        slug=window.slug, series=window.series.key, condition_id=window.ids.condition_id,
        question_id=window.ids.question_id, token_ids=window.ids.token_ids, window_start_s=window.start_s,
        window_end_s=window.end_s, tick_size_micro=t.tick_size_micro, min_size_micro=t.min_size_micro,
        fee_rate=t.fee_rate, fee_exponent=t.fee_exponent, rebate_rate=t.rebate_rate,
        rewards_min_size_micro=t.rewards_min_size_micro, rewards_max_spread_cents=t.rewards_max_spread_cents,
        market_id=window.ids.gamma_market_id, protocol_v2=window.series.protocol_v2,
    )


class ConditionChain(Protocol):
    """The part of the local chain the world drives (``sim.chain.local_chain.LocalChain``)."""

    def prepare_market(self, question_id: bytes, condition_id: bytes, protocol_v2: bool) -> None: ...

    def resolve_market(self, question_id: bytes, condition_id: bytes, protocol_v2: bool, winning_index: int) -> None:
        ...


def chain_listener(chain: ConditionChain) -> Callable[[WindowAction], None]:
    """Prepare each window's market on chain when it is created (a CTF condition, or a Protocol V2
    market on the Router) and report its payouts when it resolves. Build the world with
    ``oracle_address=chain.operator`` and ``collateral_address=chain.collateral_address`` so the
    CLOB's ids are the chain's."""

    def on_action(action: WindowAction) -> None:
        window = action.window
        question = bytes.fromhex(window.ids.question_id[2:])
        condition = bytes.fromhex(window.ids.condition_id[2:])
        v2 = window.series.protocol_v2
        if action.kind is ActionKind.CREATE:
            chain.prepare_market(question, condition, v2)
        elif action.kind is ActionKind.RESOLVE and window.winner is not None:
            chain.resolve_market(question, condition, v2, window.winner)

    return on_action


class SimServer:
    def __init__(self, cfg: ServerConfig, clock: SimClock | WallClock | None = None,
                 action_listeners: list[Callable[[WindowAction], None]] | None = None) -> None:
        self.cfg = cfg
        self.clock = clock or WallClock()
        seed = cfg.world.seed
        self.chain: Any = None
        #: Every use of the chain, off the loop once the server runs (``sim.chain.thread``).
        self.chain_thread = ChainThread()
        world_cfg = cfg.world
        if cfg.chain:
            from sim.chain.local_chain import LocalChain

            self.chain = LocalChain()
            world_cfg = replace(world_cfg, oracle_address=self.chain.operator,
                                collateral_address=self.chain.collateral_address)
        if cfg.fault_profile is not None:
            self.faults = Faults(cfg.fault_profile, seed, self.clock.now_ms)
        else:
            self.faults = Faults.named(cfg.faults, seed, self.clock.now_ms)
        self.world = World(world_cfg, self.clock.now_ms())
        self.exchange = Exchange(lambda: self.clock.now_ms() / 1000, random.Random(f"{seed}:exchange"),
                                 cfg.exchange)
        #: Chain-backed wallets: trades settled on chain, balances synced back (``sim.settlement``).
        self.settlement: Any = None
        if self.chain is not None:
            from sim.settlement import SettlementBridge

            self.settlement = SettlementBridge(self.exchange, self.chain, chain_thread=self.chain_thread)
        self.rtds = RtdsHub(self.clock.now_ms, self.faults)
        self.polybolt = PolyBoltHub(self.clock.now_ms, self._secret_of_key, self.faults)
        self.traders = TraderPool(cfg.traders, seed)
        #: Extra listeners of window actions (e.g. the local chain preparing and resolving conditions).
        self.action_listeners: list[Callable[[WindowAction], None]] = list(action_listeners or [])
        if self.chain is not None:
            on_chain = chain_listener(self.chain)
            self.action_listeners.append(lambda action: self.chain_thread.post(on_chain, action))
        self._last_fault_s = self.clock.now_ms() // 1000
        self._judged_trades: set[str] = set()
        self.exchange.subscribe(self._on_exchange_event)
        self.app = self._build_app()
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._settler: asyncio.Task[None] | None = None
        self.port: int | None = None
        self.step()

    # -- composition ----------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        self.clob: Any = None
        middlewares = [rest_fault_middleware(self.faults)]
        if self.settlement is not None:
            from sim.settlement import balance_refresh_middleware

            middlewares.append(balance_refresh_middleware(self.settlement, self._account_of_key))
        app = web.Application(middlewares=middlewares)
        try:
            from sim.api import add_clob_routes
        except ImportError:
            log.warning("CLOB routes unavailable (no sim.api.add_clob_routes): serving Gamma and RTDS only")
        else:
            self.clob = add_clob_routes(app, self.exchange)
        add_gamma_routes(app, GammaSource(find=self.world.window_by_slug, find_condition=self.world.window_by_condition,
                                          now_s=self.clock.now_s,
                                          seed=self.cfg.world.seed, terms=self.cfg.world.terms,
                                          tick_micro=self._tick_of, quote=self._quote_of))
        self.rtds.add_routes(app)
        self.polybolt.add_routes(app)
        if self.chain is not None:
            from sim.chain.rpc import add_rpc_route

            add_rpc_route(app, self.chain, executor=self.chain_thread, after_send=self.settlement.allowances.read_all)
            from sim.settlement import add_settlement_routes

            add_settlement_routes(app, self.settlement)
            if self.clob is not None:
                self.clob.allowance_of = self._allowance_of
        app.router.add_get("/sim/world", self._world_state)
        add_fault_routes(app, self.faults)
        return app

    def _allowance_of(self, address: str, asset_type: str) -> int | None:
        """What a chain-backed wallet allowed the operator (the exchange) on chain; None otherwise."""
        bridge = self.settlement
        if bridge is None:
            return None
        wallet = next((a for a in bridge.wallets.values() if a.lower() == address.lower()), None)
        if wallet is None:
            return None
        allowance: int = bridge.allowances.of(wallet, asset_type)
        return allowance

    def _account_of_key(self, api_key: str) -> str | None:
        key = self.clob.keys.get(api_key) if self.clob is not None else None
        account = self.exchange.accounts.find_by_address(key.address) if key is not None else None
        return account.account_id if account is not None else None

    def _secret_of_key(self, api_key: str) -> tuple[str, str] | None:
        key = self.clob.keys.get(api_key) if self.clob is not None else None
        return None if key is None else (key.secret, key.passphrase)

    def _tick_of(self, window: Window) -> int | None:
        state = self.exchange.market(window.ids.condition_id)
        return state.tick_micro if state is not None else None

    def _quote_of(self, window: Window) -> Quote:
        state = self.exchange.market(window.ids.condition_id)
        if state is None:
            return Quote()
        up = window.ids.token_ids[0]
        bid, ask = state.top(up)
        return Quote(bid, ask, state.last_trade_micro.get(up))

    # -- the tick ---------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance everything to the clock's current time."""
        now_ms = self.clock.now_ms()
        if now_ms // 1000 > self._last_fault_s:
            self._last_fault_s = now_ms // 1000
            self._once_a_second(now_ms)
        result = self.world.advance(now_ms)
        for action in result.actions:
            self._apply(action)
        for tick in result.ticks:
            self.rtds.publish(tick)
            self.polybolt.publish(tick)
        self.traders.step(now_ms, self.world.open_windows(), self.world.feeds, self.exchange)
        self.exchange.advance()

    def _once_a_second(self, now_ms: int) -> None:
        self.rtds.apply_faults()
        self.polybolt.apply_faults()
        if self.clob is not None and self.clob.hub is not None:
            self.clob.hub.apply_faults(self.faults)
        for asset, feeds in self.world.feeds.items():
            if self.faults.should(FaultKind.STALE_CHAINLINK):
                duration_s = self.faults.profile.durations_ms.get(FaultKind.STALE_CHAINLINK, 0) // 1000
                feeds.go_stale(now_ms // 1000, now_ms // 1000 + duration_s)
                log.info("fault: Chainlink %s stale for %d s", asset, duration_s)
        for window in self.world.open_windows():
            state = self.exchange.market(window.ids.condition_id)
            if state is None:
                continue
            quote = self._quote_of(window)
            tick = tick_for(quote.best_bid_micro, quote.best_ask_micro, state.tick_micro)
            if tick != state.tick_micro:
                self.exchange.set_tick_size(window.ids.condition_id, tick)

    def _on_exchange_event(self, event: Event) -> None:
        """TRADE_FAILED hook: decide once per new trade whether it will end FAILED."""
        payload = event.payload
        if payload.get("event_type") != "trade" or payload.get("status") != "MATCHED":
            return
        trade_id = str(payload.get("id"))
        if trade_id in self._judged_trades:
            return
        if len(self._judged_trades) > JUDGED_TRADES_KEPT:
            self._judged_trades.clear()  # a trade is MATCHED only in the batch that creates it
        self._judged_trades.add(trade_id)
        if self.faults.should(FaultKind.TRADE_FAILED):
            self.exchange.fail_trade(trade_id)

    def _apply(self, action: WindowAction) -> None:
        window = action.window
        cid = window.ids.condition_id
        if action.kind is ActionKind.CREATE:
            self.exchange.add_market(market_spec(window, self.cfg.world))
        elif action.kind is ActionKind.CLOSE:
            self.exchange.close_market(cid)
        elif action.kind is ActionKind.RESOLVE and window.winner is not None:
            self.exchange.resolve(cid, window.winner)
        for listener in self.action_listeners:
            listener(action)

    # -- introspection ----------------------------------------------------------------------------

    async def _world_state(self, request: web.Request) -> web.Response:
        windows: list[dict[str, Any]] = [
            {"slug": w.slug, "series": w.series.key, "condition_id": w.ids.condition_id,
             "token_ids": list(w.ids.token_ids), "start_s": w.start_s, "end_s": w.end_s,
             "strike_e18": str(w.strike_e18) if w.strike_e18 is not None else None,
             "final_e18": str(w.final_e18) if w.final_e18 is not None else None,
             "winner": w.winner, "closed": w.closed, "resolved_s": w.resolved_s}
            for w in sorted(self.world.windows(), key=lambda x: (x.series.key, x.start_s))
        ]
        return web.json_response({"now_ms": self.clock.now_ms(), "seed": self.cfg.world.seed,
                                  "faults": self.cfg.faults, "windows": windows})

    # -- life -------------------------------------------------------------------------------------

    async def start(self, run_ticks: bool = True) -> int:
        self._runner = web.AppRunner(self.app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.cfg.host, self.cfg.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        if run_ticks:
            self.chain_thread.start()
            self._ticker = asyncio.create_task(self._tick_loop())
            if self.settlement is not None:
                self._settler = asyncio.create_task(self.settlement.run())
        log.info("emulator listening on http://%s:%s (faults=%s)", self.cfg.host, self.port, self.cfg.faults)
        return self.port

    async def _tick_loop(self) -> None:
        period_s = self.cfg.tick_ms / 1000
        while True:
            try:
                self.step()
            except Exception:  # one bad tick must not stop the venue; it is logged loudly
                log.exception("emulator tick failed")
            await asyncio.sleep(period_s)

    async def stop(self) -> None:
        for task in (self._ticker, self._settler):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._runner is not None:
            await self._runner.cleanup()
        await asyncio.to_thread(self.chain_thread.shutdown)
