"""Background traders' settings: who trades, how often, how big. Intensities are per open window."""

from __future__ import annotations

from dataclasses import dataclass, field

#: pUSD each background account starts with (1,000,000 pUSD).
TRADER_PUSD_MICRO = 1_000_000_000_000
#: A fixed volatility the traders price with (annualised); the path's regimes move around it.
TRADER_VOL_ANNUAL = 0.45


@dataclass(frozen=True)
class MakerConfig:
    #: Passive makers, each its own account.
    count: int = 2
    #: How often a maker re-quotes a window.
    refresh_ms: int = 4_000
    #: Half spread around its (slow, noisy) fair value, in micro-pUSD (5 cents): a wide book.
    half_spread_micro: int = 50_000
    #: Extra half spread of each further maker (so makers do not sit on the same level).
    extra_spread_per_maker_micro: int = 10_000
    #: Price levels per side and the distance between them.
    levels: int = 3
    level_step_micro: int = 20_000
    #: Size of each level, in micro-shares (drawn uniformly).
    min_size_micro: int = 40_000_000
    max_size_micro: int = 150_000_000
    #: Standard deviation of the noise on a maker's fair value.
    fair_noise: float = 0.02


@dataclass(frozen=True)
class NoiseConfig:
    #: Random takers' orders per minute per open window (Poisson).
    orders_per_min: float = 6.0
    min_size_micro: int = 5_000_000
    max_size_micro: int = 40_000_000
    #: Share of FOK among noise orders (the rest FAK).
    fok_share: float = 0.5
    #: How far through the best ask a noise taker is willing to pay.
    slippage_micro: int = 20_000


@dataclass(frozen=True)
class InformedConfig:
    #: How often the informed taker compares the book with the lead feed.
    check_ms: int = 500
    #: Minimum edge (fair minus ask) before it takes, in micro-pUSD: above the taker fee.
    edge_micro: int = 30_000
    #: Largest order it sends at once.
    max_size_micro: int = 100_000_000


@dataclass(frozen=True)
class TwapConfig:
    #: Parent orders started per hour per open window (Poisson).
    parents_per_hour: float = 6.0
    #: Parent size range, in micro-shares.
    min_parent_micro: int = 200_000_000
    max_parent_micro: int = 800_000_000
    #: Child orders per parent, spread evenly over a third of the window.
    slices: int = 10
    #: How far through the best ask a child is willing to pay.
    slippage_micro: int = 10_000


@dataclass(frozen=True)
class TraderConfig:
    enabled: bool = True
    pusd_micro: int = TRADER_PUSD_MICRO
    vol_annual: float = TRADER_VOL_ANNUAL
    makers: MakerConfig = field(default_factory=MakerConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    informed: InformedConfig = field(default_factory=InformedConfig)
    twap: TwapConfig = field(default_factory=TwapConfig)
