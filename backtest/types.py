"""What a backtest is run with and what it produces: parameters, our fills, one strategy's run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backtest.frame import OutcomeName
from backtest.strategies import BaselineConfig
from backtest.venue import QueueModel
from workers.alpha.core import AlphaConfig
from workers.quoter.core import QuoterConfig

if TYPE_CHECKING:
    from backtest.market import MarketSim

#: Decision to order live, and to cancel done, when ``--latency-ms`` is not given: the pipeline
#: bench's tick-to-ack (p50 5.8-7.6 ms on the dev VM) rounded up, from a recorded event's stream id.
DEFAULT_LATENCY_MS = 10


@dataclass(frozen=True, slots=True)
class Params:
    latency_ms: int = DEFAULT_LATENCY_MS
    queue: QueueModel = QueueModel.BOOK
    #: Fill our orders from displayed opposite orders through our price too (``backtest.venue``);
    #: None: only with top-of-book data, where no print shows the trade-throughs.
    cross_fills: bool | None = None
    alpha: AlphaConfig = field(default_factory=AlphaConfig)
    quoter: QuoterConfig = field(default_factory=QuoterConfig)
    baseline: BaselineConfig = field(default_factory=BaselineConfig)
    #: The reward pool per market per day (micro-pUSD): not in a recording (reference §7.4: often none).
    rewards_pool_daily_micro: int = 0


@dataclass(frozen=True, slots=True)
class FillRecord:
    slug: str
    at_ms: int
    outcome: OutcomeName
    side: str
    price_micro: int
    size_micro: int
    maker: bool
    cause: str
    fee_micro: int
    #: The outcome's mid when it filled (None with a side of the book empty).
    mid_micro: int | None


@dataclass(slots=True)
class Run:
    strategy: str
    params: Params
    markets: list[MarketSim] = field(default_factory=list)
    fills: list[FillRecord] = field(default_factory=list)
    #: (ms, total PnL so far: cash, holdings marked to the mid, rebates and rewards of settled windows).
    equity: list[tuple[int, int]] = field(default_factory=list)
    #: The most pUSD tied up at once over every window (sampled each second).
    capital_used_micro: int = 0
