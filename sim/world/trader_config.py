"""Background traders' settings: who trades, how often, how big. Intensities are per open window."""

from __future__ import annotations

from dataclasses import dataclass, field

#: pUSD each background account starts with (1,000,000 pUSD).
TRADER_PUSD_MICRO = 1_000_000_000_000
#: Every background trader prices with the volatility estimated from the lead times this: the market's
#: premium over realised volatility. Derived by ``python -m sim.realism.calibrate``: the factor with
#: which the fair value best fits the near-money mids of the recorded 5-minute books (its 90%
#: bootstrap interval over windows is wide, about 0.84-1.36: 88 windows). Shared by makers and
#: takers, so the informed taker's edge is its speed, not a better model.
VOL_PREMIUM = 1.05
#: Noise takers' orders a minute in a 15-minute window (derived by ``python -m sim.realism.calibrate``:
#: the recorded 15-minute markets' median volume a minute, less the TWAP executor's, over a noise
#: order's expected notional).
NOISE_ORDERS_PER_MIN = 50.5


@dataclass(frozen=True)
class MakerConfig:
    """Competing makers at the touch: each quotes its fair value from the lead market (a direct feed,
    slower than the informed taker's) one tick wide or so, and requotes when the lead moves.
    Tuned until ``updown sim realism`` matches the recorded books (README: the emulator's realism)."""

    #: Makers, each its own account.
    count: int = 4
    #: How often a maker looks at its quotes (jittered by up to a quarter).
    check_ms: int = 100
    #: Its feed's latency: it prices the market as it was this long ago (the informed taker is faster).
    latency_ms: int = 150
    #: How long a maker keeps its private noise and half spread before drawing new ones.
    view_ms: int = 1_000
    #: Each maker's half spread around its fair value, drawn per quote in [0, this], in micro-pUSD:
    #: under half a tick, so the touch is one tick wide unless the fair value sits near a tick.
    max_half_spread_micro: int = 3_000
    #: Extra half spread: this many standard deviations of the fair value's move over the maker's
    #: latency plus check period (what an informed taker can pick off before it requotes).
    adverse_sds: float = 0.25
    #: Standard deviation of a maker's private view on top of the shared fair value, in micro-pUSD.
    fair_noise_micro: int = 2_000
    #: Levels per side (the touch and the ones behind it) and the distance between them.
    levels: int = 2
    level_step_micro: int = 10_000
    #: Size of each level, in micro-shares (drawn uniformly): about 2,000 shares at the real touch.
    min_size_micro: int = 200_000_000
    max_size_micro: int = 900_000_000


@dataclass(frozen=True)
class NoiseConfig:
    #: Random takers' orders per minute per open 15-minute window (Poisson).
    orders_per_min: float = NOISE_ORDERS_PER_MIN
    #: Windows of other lengths trade more or less a minute: this many times the 15-minute rate, by
    #: window length (the nearest entry applies). Derived from ``pm-bbo-60s-aug2026/outcomes``: the
    #: median 5-minute market trades 9,409 $ a minute, the median 15-minute one 1,596 (x5.9).
    volume_scale_by_window_s: tuple[tuple[int, float], ...] = ((300, 5.9), (900, 1.0))
    #: Order sizes are log-normal: this median (micro-shares) and log standard deviation...
    median_size_micro: int = 30_000_000
    size_log_sd: float = 1.2
    #: ...within these bounds.
    min_size_micro: int = 5_000_000
    max_size_micro: int = 2_000_000_000
    #: Share of FOK among noise orders (the rest FAK).
    fok_share: float = 0.5
    #: How far through the best ask a noise taker is willing to pay.
    slippage_micro: int = 20_000


@dataclass(frozen=True)
class InformedConfig:
    """Arbitrageurs on a direct exchange feed, ahead of any RTDS consumer (the bot and the makers)."""

    #: How often the informed taker compares the book with its feed.
    check_ms: int = 100
    #: Its feed's latency: it sees the market as it was this long ago (no basis, no smoothing).
    latency_ms: int = 50
    #: The venue's crypto taker fee rate (``MarketTerms.fee_rate``): fee per share = rate·p·(1−p).
    fee_rate: float = 0.07
    #: Edge left after the fee before it takes, in micro-pUSD.
    edge_micro: int = 10_000
    #: Largest order it sends at once.
    max_size_micro: int = 200_000_000
    #: Its orders wait out the venue's taker delay (``ExchangeConfig.taker_delay_ms``) like every API
    #: taker's on crypto markets, so a maker that cancels within the delay escapes it.
    delayed: bool = True


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
    vol_premium: float = VOL_PREMIUM
    makers: MakerConfig = field(default_factory=MakerConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    informed: InformedConfig = field(default_factory=InformedConfig)
    twap: TwapConfig = field(default_factory=TwapConfig)
