"""The world's settings: frozen dataclasses whose defaults are named and documented.

Model parameters (volatilities, rates, probabilities) are floats: they shape a random process and
never reach a wire or an account. Every price the world emits is an exact integer scaled by 1e18.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

#: Prices inside the world are integers scaled by this (Chainlink's ``full_accuracy_value`` scale).
E18 = 10**18

# Feed parameters below marked "derived" are the output of ``python -m sim.realism.calibrate`` on
# ``../shared/data`` (``rtds-chainlink-binance-oct2025``: 22 min of BTC on RTDS, 2025-10-29).

#: RTDS delivers a Chainlink report this long after its (second-aligned) stamp (derived: median).
CHAINLINK_PUBLISH_LAG_MS = 1_012
#: Extra lag of the oracle behind the market before its smoothing (the weights below carry the lag).
CHAINLINK_VALUE_LAG_MS = 0
#: The oracle's report for second s is exp(sum_k w_k * log(market at s - k seconds)), k = 0, 1, 2:
#: mostly the market one second earlier, smoothed (derived: least squares of Chainlink's 1-s return
#: on Binance's at 0-2 s before, normalised to sum to one).
ORACLE_WEIGHTS = (0.364, 0.564, 0.072)
#: I.i.d. noise on each report's level, as a multiple of the market's one-second move in the current
#: regime (derived: the regression's residual / sqrt 2, over the market's 1-s sd: the lead's, with its
#: smoothing taken out), so the oracle's profile holds in calm and volatile regimes alike.
ORACLE_NOISE_RATIO = 0.302
#: The "Binance" feed's cadence; RTDS ``crypto_prices`` is about 1 Hz.
BINANCE_INTERVAL_MS = 1_000
#: RTDS delivers a Binance print this long after its stamp (derived: median).
BINANCE_PUBLISH_LAG_MS = 148
#: BTCUSDT against Chainlink's BTC/USD, in basis points (derived: median of Binance / Chainlink - 1).
BINANCE_BASIS_BPS = -1.35
#: A Binance print at t is exp(sum_k w_k * log(market at t - k seconds)): the RTDS lead is itself a
#: little smoothed (derived: the weights whose 1-s returns have the real lead's lag-1
#: autocorrelation, +0.13).
LEAD_WEIGHTS = (0.887, 0.113)
#: Idiosyncratic noise of a Binance print, in basis points: none, since the real lead's 1-s returns
#: are positively autocorrelated (+0.13), which print noise would push negative.
BINANCE_NOISE_BPS = 0.0
#: Binance prints are quantised to this many decimals (BTCUSDT ticks at 0.01).
BINANCE_DECIMALS = 2
#: The settlement TWAP's lookback (``crypto_prices_twap_sixty``).
TWAP_WINDOW_S = 60
#: The emulator's TWAP samples its oracle every this many ms, at the instants k * interval + phase
#: (``sim.world.twap``). How Chainlink samples is not public (reference §11.2), so this is a setting,
#: not a derived figure: half-second samples a quarter second off the relay's whole-second reports,
#: so that none of them is a report the spot channel shows and a client's reconstruction from the
#: 1 Hz spot is close but not exact. Interval 1000 and phase 0 give the per-second average instead.
TWAP_SAMPLE_INTERVAL_MS = 500
TWAP_SAMPLE_PHASE_MS = 250

#: Time step of the simulated underlying price.
PATH_STEP_MS = 200
#: Annualised volatility of each regime (calm, normal, volatile). Derived by
#: ``python -m sim.realism.calibrate``: the mean realised volatility (60-s returns) of each third of the
#: 15-minute blocks of the two recorded Chainlink days (``chainlink/BTCUSD-prices-*.csv.gz``).
REGIME_VOLS = (0.179, 0.384, 0.655)
#: Mean time spent in a regime before switching, in seconds (derived: mean run of 15-minute blocks
#: in the same third, same files).
REGIME_MEAN_DURATION_S = 2_449.0
#: Trading comes in bursts: this share of the seconds moves ``BURST_RATIO`` times as much (standard
#: deviation) as the others, the regime's variance kept. Derived by ``python -m sim.realism.calibrate``:
#: the mixture whose oracle 1-s returns (through ``ORACLE_WEIGHTS`` and the oracle's noise) have the
#: p90, p99 and p99.9 of the recorded Chainlink days' returns, each over its 15-minute block's sd
#: (1.36, 3.98 and 8.48: far heavier tails than a normal's 1.64, 2.58 and 3.29).
BURST_SHARE = 0.019
BURST_RATIO = 10.2
#: Jumps per hour of the underlying (Poisson).
JUMP_RATE_PER_HOUR = 0.5
#: Standard deviation of a jump's log size, in basis points.
JUMP_SD_BPS = 30.0
#: Where each asset's simulated price starts, in whole USD.
START_PRICES_USD = {"btc": 63_000, "eth": 2_500, "sol": 150, "xrp": 2, "doge": 1, "bnb": 600, "hype": 40}
#: Start price of an asset not in the table above.
DEFAULT_START_PRICE_USD = 100

#: Windows kept (for Gamma lookups and resolution) after they resolve, in seconds.
HISTORY_KEEP_S = 86_400
#: Windows created ahead of the current one (the current and at least the next two exist).
WINDOWS_AHEAD = 2


@dataclass(frozen=True)
class MarketTerms:
    """The trading terms every window's market is created with (the venue's BTC 15m values)."""

    #: Tick of a new market (0.01); the exchange narrows it near the extremes.
    tick_size_micro: int = 10_000
    #: Minimum order size (5 shares).
    min_size_micro: int = 5_000_000
    #: Crypto taker fee rate C in fee = C·rate·p·(1−p) (``crypto_fees_v2``).
    fee_rate: Decimal = Decimal("0.07")
    #: Exponent of the fee formula.
    fee_exponent: int = 1
    #: Share of taker fees paid back to makers.
    rebate_rate: Decimal = Decimal("0.2")
    #: Liquidity rewards: minimum order size that scores (50 shares).
    rewards_min_size_micro: int = 50_000_000
    #: Liquidity rewards: maximum distance from the midpoint that scores, in cents.
    rewards_max_spread_cents: Decimal = Decimal("4.5")


class ResolutionRule(StrEnum):
    """How a window settles: the TWAP rule (since 2026-08-07) or the older spot-end rule."""

    TWAP = "twap"
    SPOT = "spot"


def default_resolution_delay_s(window_s: int) -> int:
    """About a minute after the end for 5m/15m windows (the real median is ~54 s), scaled down for
    short demo windows: a fifth of the window, between 3 s and 60 s."""
    return max(3, min(60, window_s // 5))


@dataclass(frozen=True)
class FeedConfig:
    chainlink_publish_lag_ms: int = CHAINLINK_PUBLISH_LAG_MS
    chainlink_value_lag_ms: int = CHAINLINK_VALUE_LAG_MS
    binance_interval_ms: int = BINANCE_INTERVAL_MS
    binance_publish_lag_ms: int = BINANCE_PUBLISH_LAG_MS
    binance_basis_bps: float = BINANCE_BASIS_BPS
    binance_noise_bps: float = BINANCE_NOISE_BPS
    binance_decimals: int = BINANCE_DECIMALS
    oracle_weights: tuple[float, ...] = ORACLE_WEIGHTS
    lead_weights: tuple[float, ...] = LEAD_WEIGHTS
    oracle_noise_ratio: float = ORACLE_NOISE_RATIO
    twap_window_s: int = TWAP_WINDOW_S
    twap_sample_interval_ms: int = TWAP_SAMPLE_INTERVAL_MS
    twap_sample_phase_ms: int = TWAP_SAMPLE_PHASE_MS


@dataclass(frozen=True)
class PathConfig:
    step_ms: int = PATH_STEP_MS
    regime_vols: tuple[float, float, float] = REGIME_VOLS
    regime_mean_duration_s: float = REGIME_MEAN_DURATION_S
    burst_share: float = BURST_SHARE
    burst_ratio: float = BURST_RATIO
    jump_rate_per_hour: float = JUMP_RATE_PER_HOUR
    jump_sd_bps: float = JUMP_SD_BPS


@dataclass(frozen=True)
class SeriesConfig:
    """One series: an asset and a window length, e.g. btc with 900 s windows."""

    asset: str
    window_s: int
    rule: ResolutionRule = ResolutionRule.TWAP
    resolution_delay_s: int | None = None  # None: default_resolution_delay_s(window_s)
    windows_ahead: int = WINDOWS_AHEAD
    #: Run the series as Protocol V2 markets (Gamma ``version: "v2"``, ExchangeV3, position ids).
    protocol_v2: bool = False

    @property
    def delay_s(self) -> int:
        if self.resolution_delay_s is not None:
            return self.resolution_delay_s
        return default_resolution_delay_s(self.window_s)

    @property
    def label(self) -> str:
        return window_label(self.window_s)

    @property
    def key(self) -> str:
        """The series key used in config and on the bus, e.g. ``btc-15m``."""
        return f"{self.asset}-{self.label}"

    @property
    def slug(self) -> str:
        """The Gamma series slug, e.g. ``btc-up-or-down-15m``."""
        return f"{self.asset}-up-or-down-{self.label}"


#: Window lengths with the venue's own labels; any other length is labelled ``<n>s``.
STANDARD_LABELS = {300: "5m", 900: "15m", 3600: "1h", 14_400: "4h", 86_400: "1d"}


def window_label(window_s: int) -> str:
    return STANDARD_LABELS.get(window_s, f"{window_s}s")


def parse_window_label(label: str) -> int:
    """``15m`` → 900, ``1h`` → 3600, ``60s`` → 60, ``90`` → 90."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
    if label and label[-1] in units:
        return int(label[:-1]) * units[label[-1]]
    return int(label)


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 0
    series: tuple[SeriesConfig, ...] = (SeriesConfig("btc", 900),)
    feed: FeedConfig = field(default_factory=FeedConfig)
    path: PathConfig = field(default_factory=PathConfig)
    #: A real Chainlink price file (``BTCUSD-prices-*.csv.gz``) replayed for BTC instead of the model.
    price_file: Path | None = None
    #: Emulator time minus file time for a replay; None aligns the file's day onto the clock's.
    replay_offset_s: int | None = None
    history_keep_s: int = HISTORY_KEEP_S
    terms: MarketTerms = field(default_factory=MarketTerms)
    #: The resolver address hashed into condition ids (the local chain's operator when there is one).
    oracle_address: str | None = None
    #: The chain's collateral: when set, token ids are the exact CTF position ids on that collateral.
    collateral_address: str | None = None

    @property
    def assets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.asset for s in self.series))
