"""The informed taker against one maker, on the emulator's real exchange with the venue's taker delay.

    python -m sim.realism.duel [--seed K] [--windows N]

A seeded world with one BTC series and nobody else trading: the world's ``InformedTaker`` (a
direct feed 50 ms late, takes an ask when its fair value beats it by the fee plus 1 c, its orders
wait out the 250 ms taker delay and cannot be cancelled meanwhile) against a ``DuelMaker`` that
quotes Up a cent either side of its fair value, in one of two ways:

- **static**: quotes once a window and never moves; a level that is taken is put back at the same price;
- **cancelling**: watches the market on a feed as fast as the taker's and, when its fair value has
  moved half a tick since it quoted, cancels both sides and quotes anew: within the taker delay.

It prints the taker's result both ways: marked to the fair value at each fill (what the fill was
worth when it happened, after the fee) and at settlement (winning shares pay $1).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from sim.exchange.config import ExchangeConfig
from sim.exchange.events import Event
from sim.server import TICK_MS, ServerConfig, SimServer
from sim.world.clock import SimClock
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.makers import ceil_tick, floor_tick
from sim.world.trader_base import MAX_PRICE_MICRO, MICRO, MIN_PRICE_MICRO, Context, Trader, account_address
from sim.world.trader_config import MakerConfig, NoiseConfig, TraderConfig, TwapConfig
from sim.world.windows import Window

#: The duel's clock starts at a window boundary after this instant (the TWAP era), plus a few seconds.
BASE_START_S = 1_790_000_000
LEAD_IN_S = 5
#: Resolution comes about a minute after a window ends: the run goes on this long after the last one.
SETTLE_TAIL_S = 90
TAKER = "sim-informed-1"


@dataclass(frozen=True)
class DuelMakerConfig:
    #: Whether it cancels and requotes when its fair value moves (else it never moves its quotes).
    cancels: bool
    #: Its feed: the market this long ago (the informed taker's is 50 ms).
    latency_ms: int = 50
    #: How often it looks: with its latency, well inside the 250 ms taker delay.
    check_ms: int = 50
    #: Quotes this far either side of its fair value.
    half_spread_micro: int = 10_000
    #: A cancelling maker requotes once its fair value has moved this much since it quoted.
    move_micro: int = 5_000
    #: Shares at each quote.
    size_micro: int = 100_000_000


#: The two makers of the duel: one that never moves (it puts a taken level back once a second), one
#: that watches the market 150 ms late every 50 ms, so it cancels within 200 ms of a move: slower
#: than the informed taker sees it (50 ms), faster than the taker's order executes (250 ms later).
STATIC = DuelMakerConfig(cancels=False, check_ms=1_000)
CANCELLING = DuelMakerConfig(cancels=True, latency_ms=150)


@dataclass
class _Quote:
    fair_micro: float
    orders: dict[str, tuple[str, int]] = field(default_factory=dict)  # token -> (order id, price)


class DuelMaker(Trader):
    """One maker quoting Up at its fair value ± a half spread (a BUY Up bid and a BUY Down at 1 − ask)."""

    def __init__(self, name: str, seed: int, cfg: DuelMakerConfig) -> None:
        super().__init__(name, seed)
        self.cfg = cfg
        self._quotes: dict[str, _Quote] = {}
        self._next_ms = 0

    def step(self, ctx: Context) -> None:
        if ctx.now_ms < self._next_ms:
            return
        self._next_ms = ctx.now_ms + self.cfg.check_ms
        for window in ctx.windows:
            fair = ctx.direct_fair(window, self.cfg.latency_ms)
            if fair is None:
                continue
            quote = self._quotes.get(window.ids.condition_id)
            moved = quote is not None and abs(fair * MICRO - quote.fair_micro) >= self.cfg.move_micro
            if quote is None or (self.cfg.cancels and moved):
                if quote is not None:
                    for order_id, _ in quote.orders.values():
                        ctx.exchange.cancel_internal(self.name, order_id)
                quote = _Quote(fair * MICRO)
                self._quotes[window.ids.condition_id] = quote
            self._fill_up(ctx, window, quote)

    def _fill_up(self, ctx: Context, window: Window, quote: _Quote) -> None:
        """Place each side of ``quote`` that is not resting (new, or taken in full) at its price."""
        up, down = window.ids.token_ids
        bid = floor_tick(quote.fair_micro - self.cfg.half_spread_micro)
        ask = ceil_tick(quote.fair_micro + self.cfg.half_spread_micro)
        for token, price in ((up, bid), (down, MICRO - ask)):
            resting = quote.orders.get(token)
            if resting is not None:
                order = ctx.exchange.order(resting[0])
                if order is not None and order.ended_ms is None:
                    continue
            if MIN_PRICE_MICRO <= price <= MAX_PRICE_MICRO:
                result = self.send(ctx, token, price, self.cfg.size_micro, "GTC", post_only=True)
                if result.get("success") and result.get("status") == "live":
                    quote.orders[token] = (str(result["orderID"]), price)


@dataclass
class DuelResult:
    cancels: bool
    taker_orders: int = 0
    fills: int = 0
    shares: float = 0.0
    #: The taker's fills at the fair value of their instant, less price and fee, in dollars.
    markout_usd: float = 0.0
    #: The taker's fills at settlement (winning shares pay $1), less price and fee, in dollars.
    settled_usd: float = 0.0
    windows: int = 0


def _only_the_duel() -> TraderConfig:
    return TraderConfig(makers=MakerConfig(count=0), noise=NoiseConfig(orders_per_min=0.0),
                        twap=TwapConfig(parents_per_hour=0.0))  # fmt: skip


def run_duel(maker_cfg: DuelMakerConfig, seed: int = 0, windows: int = 4, window_s: int = 300,
             taker_delay_ms: int | None = None) -> DuelResult:  # fmt: skip
    """Step a fresh emulator (no chain, no faults) through ``windows`` windows of the duel;
    ``taker_delay_ms`` overrides the venue's delay (``ExchangeConfig.taker_delay_ms``)."""
    start_s = (BASE_START_S // window_s + 1) * window_s + LEAD_IN_S
    clock = SimClock(start_s * 1000)
    world = WorldConfig(seed=seed, series=(SeriesConfig("btc", window_s),))
    exchange = ExchangeConfig() if taker_delay_ms is None else ExchangeConfig(taker_delay_ms=taker_delay_ms)
    server = SimServer(ServerConfig(world=world, traders=_only_the_duel(), exchange=exchange), clock)
    cancels = maker_cfg.cancels
    maker = DuelMaker("duel-maker", seed, maker_cfg)
    server.traders.makers = [maker]
    server.exchange.ensure_account(maker.name, account_address(maker.name), server.traders.cfg.pusd_micro)
    matched: list[str] = []

    def on_event(event: Event) -> None:
        p = event.payload
        if event.owner == TAKER and p.get("event_type") == "trade" and p.get("status") == "MATCHED":
            matched.append(str(p["id"]))

    server.exchange.subscribe(on_event)
    result = DuelResult(cancels)
    held: dict[tuple[str, str], float] = {}  # (condition, token) -> shares
    end_ms = (start_s - LEAD_IN_S + windows * window_s + SETTLE_TAIL_S) * 1000
    while clock.now_ms() < end_ms:
        clock.advance_ms(TICK_MS)
        server.step()
        if matched:
            _mark(server, matched, result, held)
            matched.clear()
    for window in server.world.windows():
        if window.winner is None or not any(cid == window.ids.condition_id for cid, _ in held):
            continue
        result.windows += 1
        winner = window.ids.token_ids[window.winner]
        result.settled_usd += held.get((window.ids.condition_id, winner), 0.0)
    result.taker_orders = server.traders.informed.orders_sent
    return result


def _mark(server: SimServer, trade_ids: list[str], result: DuelResult, held: dict[tuple[str, str], float]) -> None:
    """Book the taker's new fills: its cash out now, its shares at the fair value of this instant."""
    windows = {w.ids.condition_id: w for w in server.world.windows()}
    ctx = Context(server.clock.now_ms(), [], server.world.feeds, server.exchange, server.traders.cfg)
    for trade_id in trade_ids:
        trade = server.exchange.trade(trade_id)
        window = windows.get(trade.market) if trade is not None else None
        if trade is None or window is None:
            continue
        cash = sum(e.cash_delta_micro for e in trade.ledger if e.account_id == TAKER) / MICRO
        shares = sum(e.shares_delta_micro for e in trade.ledger if e.account_id == TAKER) / MICRO
        fair_up = ctx.direct_fair(window, 0)
        assert fair_up is not None
        fair = fair_up if trade.asset_id == window.ids.token_ids[0] else 1.0 - fair_up
        result.fills += 1
        result.shares += shares
        result.markout_usd += cash + shares * fair
        result.settled_usd += cash
        key = (window.ids.condition_id, trade.asset_id)
        held[key] = held.get(key, 0.0) + shares


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.realism.duel", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--windows", type=int, default=4)
    args = parser.parse_args(argv)
    cases = (("never moves its quotes", STATIC, None), ("cancels within the delay", CANCELLING, None),
             ("cancels, no taker delay", CANCELLING, 0))  # fmt: skip
    for kind, maker, delay in cases:
        r = run_duel(maker, args.seed, args.windows, taker_delay_ms=delay)
        print(f"maker that {kind:<24}: taker sent {r.taker_orders} orders, {r.fills} fills, "
              f"{r.shares:.0f} shares; at the fill's fair value {r.markout_usd:+.2f} $, "
              f"at settlement {r.settled_usd:+.2f} $")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
