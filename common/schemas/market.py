"""The normalized market record of one window, its lifecycle events, and the venue's market notices.

``discovery`` publishes one ``MarketRecord`` per window (and again when Gamma changes it) and one
``MarketLifecycle`` per phase entered, so that every other worker rolls from one window to the next
without clock arithmetic of its own. Prices are micro-pUSD, sizes micro-shares, rates parts per
million, prices of reference assets (the strike) scaled by 1e18 like Chainlink's.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from common.schemas.base import Message
from common.schemas.ref import BigInt

#: Lifecycle phases in their only possible order.
Phase = Literal["discovered", "open", "closing", "closed", "resolved"]
PHASES: tuple[Phase, ...] = ("discovered", "open", "closing", "closed", "resolved")


class FeeSchedule(BaseModel):
    """Gamma's ``feeSchedule``: fee = C · rate · p·(1−p) for exponent 1 (reference §7.1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rate_ppm: int
    exponent: int
    taker_only: bool
    rebate_rate_ppm: int


class Settlement(BaseModel):
    """How the window settles: Chainlink spot at the ends, or the Chainlink TWAP over a lookback."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["spot", "twap"]
    lookback_s: int | None = None
    resolution_source: str = ""
    config_id: str | None = None


class MarketRecord(Message):
    """Everything a worker needs about one binary market (one window of a series)."""

    TYPE = "market.record"
    VERSION = 1

    #: ``btc-updown-15m`` for a window of that series; None for a market outside any series.
    series: str | None
    slug: str
    gamma_id: str
    question: str = ""
    condition_id: str
    question_id: str = ""
    outcomes: tuple[str, ...]
    #: Token (position) ids in the order of ``outcomes``.
    token_ids: tuple[str, ...]
    #: ``v1`` (token ids from ``clobTokenIds``) or ``v2`` (Protocol V2: ``positionIds``).
    protocol_version: str
    window_start_ms: int | None
    window_end_ms: int | None
    tick_size_micro: int
    min_size_micro: int
    fees_enabled: bool
    fee_type: str | None = None
    fee_schedule: FeeSchedule | None = None
    rewards_min_size_micro: int
    #: The reward band's half-width as a price (Gamma gives cents: 4.5 → 45000 micro).
    rewards_max_spread_micro: int
    neg_risk: bool
    settlement: Settlement
    #: The window's start reference price (``priceToBeat``) × 1e18, once published.
    strike_e18: BigInt | None = None
    active: bool
    closed: bool
    accepting_orders: bool
    accepting_orders_ts_ms: int | None = None
    #: Index into ``outcomes`` of the winner once Gamma shows the payout (["1","0"] → 0).
    winner_index: int | None = None


class MarketLifecycle(Message):
    """One window entered a phase; ``resolved`` carries the winner."""

    TYPE = "market.lifecycle"
    VERSION = 1

    series: str | None
    slug: str
    condition_id: str
    phase: Phase
    window_start_ms: int | None
    window_end_ms: int | None
    #: When the phase was entered by our clock.
    at_ms: int
    #: What moved it: ``clock``, ``gamma`` or ``ws``.
    cause: Literal["clock", "gamma", "ws"]
    winner_index: int | None = None
    winning_asset_id: str | None = None
    winning_outcome: str | None = None


class NewMarket(Message):
    """The market websocket's ``new_market`` notice (any new market, platform-wide)."""

    TYPE = "market.ws_new_market"
    VERSION = 1

    market: str
    gamma_id: str
    slug: str
    question: str = ""
    asset_ids: tuple[str, ...]
    outcomes: tuple[str, ...]
    tick_size_micro: int | None = None
    active: bool | None = None
    venue_ts_ms: int
    recv_ts_ms: int


class MarketResolved(Message):
    """The market websocket's ``market_resolved`` notice."""

    TYPE = "market.ws_resolved"
    VERSION = 1

    market: str
    gamma_id: str = ""
    asset_ids: tuple[str, ...]
    winning_asset_id: str
    winning_outcome: str
    venue_ts_ms: int
    recv_ts_ms: int
