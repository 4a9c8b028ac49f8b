"""Tunable behaviour of the exchange; every default mirrors the real venue where it is known."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExchangeConfig:
    """Settings of the matching engine, accounts and safety mechanics."""

    #: pUSD (micro) credited to the funder of each newly created API key.
    faucet_pusd_micro: int = 10_000_000_000
    #: Delay from MATCHED to MINED for a trade, in ms.
    mined_delay_ms: int = 2_000
    #: Delay from MATCHED to CONFIRMED for a trade, in ms.
    confirmed_delay_ms: int = 5_000
    #: Probability that a trade ends FAILED instead of CONFIRMED (balances are then reversed).
    trade_fail_probability: float = 0.0
    #: A GTD order lapses this many seconds before its stated expiration (the venue's security threshold).
    gtd_security_threshold_s: int = 60
    #: A GTD expiration must lie at least this far in the future, or the order is rejected.
    gtd_min_expiration_buffer_s: int = 180
    #: API orders that would take liquidity on a crypto Up/Down market are answered ``delayed`` and
    #: execute this much later; they cannot be cancelled meanwhile (0: no delay). The venue's value
    #: is UNCERTAIN: 250 ms in the venue's December 2026 rules (issue 15), ~150 ms in an earlier
    #: third-party capture (reference §5.6); 250 by default.
    taker_delay_ms: int = 250
    #: Once armed, orders of an API key are cancelled when no heartbeat came for this long.
    heartbeat_timeout_ms: int = 10_000
    #: Minimum notional of a marketable BUY, in micro pUSD.
    marketable_min_notional_micro: int = 1_000_000
    #: Sustained per-signer order placements per second (standard tier).
    order_rate_per_s: float = 40.0
    #: Per-signer order placement burst.
    order_burst: int = 60
    #: Sustained per-signer cancels per second (standard tier).
    cancel_rate_per_s: float = 80.0
    #: Per-signer cancel burst.
    cancel_burst: int = 120
    #: Whether the token buckets reject (429) or only report in headers.
    rate_limits_enforced: bool = True
    #: Switch a market to the fine tick once Up trades beyond the extremes (never back). Off by default:
    #: the emulator's world owns the tick policy and calls ``set_tick_size``.
    auto_extreme_tick: bool = False
    #: Up trade prices above this (micro) count as the upper extreme.
    extreme_high_micro: int = 960_000
    #: Up trade prices below this (micro) count as the lower extreme.
    extreme_low_micro: int = 40_000
    #: The tick near the extremes (0.001).
    extreme_tick_micro: int = 1_000
