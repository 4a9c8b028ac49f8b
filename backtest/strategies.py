"""The strategies a backtest compares: the real quoter core, and two baselines.

- ``quoter``: ``workers.quoter.core.QuoterCore`` on the real alpha core's signal, exactly the code
  that trades live (the executor's one-shot takers included).
- ``quoter-v1``: the same core and signal with the quoter's parameters as issue 19 found them
  (``QUOTER_V1``): the baseline "current quoter" that v2 has to beat.
- ``bands``: a fixed-width two-sided ladder around the book's mid, like the venue's reference maker
  (Polymarket/poly-market-maker's bands): ``half_width`` below the mid on each outcome, ``levels``
  levels ``step`` apart, never crossing the book.
- ``touch``: join the best bid on both outcomes, both lowered a tick at a time (the dearer first)
  until Up + Down is within ``max_total``.

Both baselines stop bidding an outcome once they hold ``max_unpaired`` more of it than of the other,
and use the quoter's churn tolerance, so the executor-like reconciliation treats them alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from backtest.frame import OutcomeName
from common.config.errors import ConfigError
from common.config.overlay import overlay
from common.money import MICRO_PER_UNIT as MICRO
from common.schemas.intent import ChurnTolerance
from common.schemas.signal import Signal
from common.strategy.quoter import HalfSpreadSource
from common.ticks import TickGrid
from workers.quoter.core import Books, MarketMeta, Outcome, Positions, QuoterConfig, QuoterCore, QuoterInputs
from workers.quoter.core.churn import churn_tolerance
from workers.quoter.core.ladder import ladder_prices, post_only_limit_micro
from workers.quoter.core.types import RewardHint

P = TypeVar("P")

STRATEGIES = ("quoter", "quoter-v1", "bands", "touch")
#: The strategies priced from the alpha core's signal.
QUOTERS = frozenset({"quoter", "quoter-v1"})
#: The quoter's parameters when issue 19 was filed (before commit 2f2c772 and the window loss limit):
#: deeper levels larger (1x, 1x, 1.5x, 1.5x, 2x), no per-window loss limit, the half-spread from the
#: alpha's target total; the rest its defaults then, which are today's (``git log -p
#: common/strategy/quoter.py``). Fixed here, not read from the
#: configuration or ``--set``: a baseline that moved with the settings would measure nothing.
QUOTER_V1 = replace(
    QuoterConfig(),
    levels=5,
    level_step_micro=10_000,
    base_size_micro=10_000_000,
    level_size_ppm=(1_000_000, 1_000_000, 1_500_000, 1_500_000, 2_000_000),
    skew_by_uncertainty=False,
    missing_side_raise_ppm=0,
    window_loss_limit_usd=0,
    half_spread_source=HalfSpreadSource.TARGET,
    pickoff_horizon_ms=0,
)
#: Not a strategy: the recorded bot's own fills (a live recording's), scored by the same scorecard.
RECORDED = "recorded"


@dataclass(frozen=True, slots=True)
class Want:
    """One resting BUY we want: the slot is (outcome, level)."""

    outcome: OutcomeName
    level: int
    price_micro: int
    size_micro: int


@dataclass(frozen=True, slots=True)
class Take:
    outcome: OutcomeName
    price_cap_micro: int
    size_micro: int
    fill_or_kill: bool


@dataclass(frozen=True, slots=True)
class Decision:
    #: Takers go out once per key (the executor sends an intent's takers once per intent id).
    key: str
    orders: tuple[Want, ...]
    takers: tuple[Take, ...]
    churn: ChurnTolerance
    reason: str


@dataclass(frozen=True, slots=True)
class View:
    """What a strategy sees when it decides for one window."""

    now_ms: int
    market: MarketMeta
    books: Books
    positions: Positions
    signal: Signal | None
    hints: tuple[RewardHint, ...] = ()


class Strategy(Protocol):
    name: str

    def decide(self, view: View) -> Decision: ...


@dataclass(frozen=True, slots=True)
class BaselineConfig:
    #: Shares per order (micro).
    size_micro: int = 10_000_000
    #: An outcome held this much more than the other is no longer bid.
    max_unpaired_micro: int = 100_000_000
    #: bands: distance of level 0 below the mid.
    half_width_micro: int = 20_000
    #: bands: levels per outcome, and their spacing.
    levels: int = 3
    step_micro: int = 10_000
    #: touch: the most paid for one Up plus one Down.
    max_total_micro: int = 980_000


def _outcome(name: OutcomeName) -> Outcome:
    return Outcome.UP if name == "UP" else Outcome.DOWN


class QuoterStrategy:
    name = "quoter"

    def __init__(self, config: QuoterConfig, name: str = "quoter") -> None:
        self.core = QuoterCore(config)
        self.name = name

    def decide(self, view: View) -> Decision:
        churn = churn_tolerance(self.core.config)
        if view.signal is None:
            return Decision("", (), (), churn, "no_signal")
        inputs = QuoterInputs(now_ms=view.now_ms, signal=view.signal, market=view.market, books=view.books,
                              positions=view.positions, hints=view.hints)  # fmt: skip
        intent = self.core.decide(inputs)
        orders = tuple(Want(o.outcome, o.level, o.price_micro, o.size_micro) for o in intent.orders if o.side == "BUY")
        takers = tuple(Take(t.outcome, t.price_cap_micro, t.size_micro, t.order_type == "FOK")
                       for t in intent.takers if t.side == "BUY")  # fmt: skip
        return Decision(intent.intent_id, orders, takers, intent.churn, intent.reason)


class BandsStrategy:
    name = "bands"

    def __init__(self, config: BaselineConfig) -> None:
        self.config = config
        self.churn = churn_tolerance(QuoterConfig())

    def decide(self, view: View) -> Decision:
        c, grid = self.config, TickGrid(view.market.tick_micro)
        mid = view.books.up.mid_micro
        if mid is None:
            return Decision("", (), (), self.churn, "no_mid")
        wants: list[Want] = []
        for name, fair in (("UP", mid), ("DOWN", MICRO - mid)):
            outcome: OutcomeName = name  # type: ignore[assignment]
            limit = post_only_limit_micro(_outcome(outcome), view.books, grid)
            if limit is None or _long(view.positions, outcome) >= c.max_unpaired_micro:
                continue
            for level, price in enumerate(
                ladder_prices(fair - c.half_width_micro, limit, grid, c.levels, c.step_micro)
            ):
                wants.append(Want(outcome, level, price, c.size_micro))
        return Decision("", tuple(wants), (), self.churn, "quoting" if wants else "no_room")


class TouchStrategy:
    name = "touch"

    def __init__(self, config: BaselineConfig) -> None:
        self.config = config
        self.churn = churn_tolerance(QuoterConfig())

    def decide(self, view: View) -> Decision:
        c, grid = self.config, TickGrid(view.market.tick_micro)
        prices: dict[OutcomeName, int] = {}
        outcome: OutcomeName
        for outcome in ("UP", "DOWN"):
            bid = view.books.of(_outcome(outcome)).bid_micro
            limit = post_only_limit_micro(_outcome(outcome), view.books, grid)
            if bid is not None and limit is not None:
                prices[outcome] = min(bid, limit)
        while len(prices) == 2 and prices["UP"] + prices["DOWN"] > c.max_total_micro:
            dearer: OutcomeName = "UP" if prices["UP"] >= prices["DOWN"] else "DOWN"
            prices[dearer] -= grid.tick_micro
        wants = tuple(Want(o, 0, p, c.size_micro) for o, p in sorted(prices.items())
                      if p >= grid.tick_micro and _long(view.positions, o) < c.max_unpaired_micro)  # fmt: skip
        return Decision("", wants, (), self.churn, "quoting" if wants else "no_book")


class RecordedStrategy:
    """The recorded bot itself: it decides nothing here; its fills come from the recording."""

    name = RECORDED

    def decide(self, view: View) -> Decision:
        return Decision("", (), (), churn_tolerance(QuoterConfig()), "recorded")


def _long(positions: Positions, outcome: OutcomeName) -> int:
    """How much more of ``outcome`` than of the other is held."""
    return positions.excess_up_micro if outcome == "UP" else -positions.excess_up_micro


def with_settings(config: P, prefix: str, sets: dict[str, str]) -> P:
    """``config`` with the ``prefix.key=value`` settings laid over it, each value checked and typed
    like the field by the configuration's own rules (``common.config.overlay``; a list is written
    ``a:b:c``, since ``--sweep`` separates its values with commas)."""
    values = {key.partition(".")[2]: text.replace(":", ",") for key, text in sets.items()
              if key.partition(".")[0] == prefix}  # fmt: skip
    try:
        return overlay(config, values, prefix)
    except ConfigError as exc:
        raise ValueError(str(exc).replace("invalid configuration:\n  ", "--set ")) from None
