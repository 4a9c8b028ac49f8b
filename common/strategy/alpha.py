"""Every threshold of the alpha core, with its unit in the name."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlphaConfig:
    #: Half-life of the slow volatility EWMA (the normal regime).
    vol_half_life_s: float = 300.0
    #: Half-life of the fast volatility EWMA (it leads in the VOLATILE regime).
    vol_fast_half_life_s: float = 30.0
    #: Half-life of the long-run volatility EWMA the forecast reverts to.
    vol_long_half_life_s: float = 3_600.0
    #: Weight of the long-run variance in the forecast (volatility mean-reverts over minutes).
    long_vol_weight: float = 0.5
    #: Degrees of freedom of the Student t used for q_up (0: normal): the oracle jumps.
    tail_dof: int = 5
    #: Spread of log volatility around the estimate, in units of the estimator's sampling error
    #: (1/sqrt(2n) for n independent returns): q_up mixes over it (0: one volatility). Fitted by
    #: ``updown calibrate --fit``.
    vol_uncertainty_ratio: float = 0.0
    #: Spread of log volatility per unit of |ln(fast / slow volatility)|: the two estimates apart say
    #: volatility is moving, and the estimate is less sure than its sampling error (0: off).
    vol_disagreement_ratio: float = 0.0
    #: Jumps of the oracle (a compound Poisson share of the estimated variance): their rate per second
    #: and their size (standard deviation of a jump's log return); 0 turns them off. Fitted to the
    #: one-second returns of a recorded day by ``updown calibrate --fit``.
    jump_rate_per_s: float = 0.0
    jump_log_sd: float = 0.0
    #: Per-second volatility floor, 35% a year: BTC rarely stays calmer for long, the oracle jumps
    #: after quiet spells, and a maker that under-estimates volatility is picked off.
    vol_floor_per_sqrt_s: float = 0.35 / math.sqrt(365 * 86_400)
    #: Fast over slow volatility at which the market is VOLATILE.
    volatile_ratio: float = 1.8
    #: Use the EWMA drift in q_up (off: over minutes BTC's drift is noise).
    use_drift: bool = False
    #: q_up is kept inside [q_clip, 1 − q_clip]: no model is that sure.
    q_clip: float = 1e-4
    #: Oracle silent this long: STALE_ORACLE, no quotes.
    oracle_stale_ms: int = 5_000
    #: Lead silent this long while the oracle is healthy: STALE_LEAD, smaller sizes.
    lead_stale_ms: int = 3_000
    #: Whether a lead feed is expected at all. Unset, it follows ``feed_ref.transport``: RTDS carries
    #: Binance, PolyBolt does not (its spot, Pyth, is itself an exchange aggregate): without a lead
    #: the fair value prices from the spot and no size is cut for the lead's absence.
    lead_expected: bool = True
    #: Lead and oracle further apart than this (log): a disagreement warning, and the lead is ignored.
    disagreement_log: float = 0.003
    #: Longest lag searched between the lead and the oracle.
    max_lag_s: int = 5
    #: Half-life of the basis and lag estimates.
    lead_half_life_s: float = 120.0
    #: A lead move beyond this many oracle sigmas (over the lag) is a fast move.
    fast_move_sigmas: float = 3.0
    #: ...and at least this far (log), so that a quiet market does not flag every tick.
    fast_move_min_log: float = 0.0002
    #: Price the fair value from the lead-implied oracle price while the lead is healthy.
    use_lead_in_fair: bool = True
    #: Time to the end at which the window is in ENDGAME.
    endgame_s: int = 30
    #: Size multiplier in STALE_LEAD (ppm).
    stale_lead_size_ppm: int = 500_000
    #: Size multiplier in VOLATILE (ppm).
    volatile_size_ppm: int = 500_000
    #: Target total bounds: the most we pay for one Up plus one Down at the best level (micro-pUSD).
    min_target_total_micro: int = 900_000
    max_target_total_micro: int = 990_000
    #: Half-spread always kept, before volatility and toxicity (micro-pUSD).
    base_half_spread_micro: int = 10_000
    #: Seconds we need to pull a quote: the fair-value move over it is what a fast taker captures.
    reaction_s: float = 2.0
    #: Half-spread per standard deviation of the fair value's move over the reaction time.
    vol_half_spread_per_sd: float = 1.5
    #: Half-spread per unit of toxicity (micro per micro).
    toxicity_half_spread_ratio: float = 1.0
    #: The venue's TWAP print (``chainlink_twap60``) is used for a TWAP-rule window's settlement
    #: value while it is at most this old; older, the core averages its own spot history.
    published_twap_stale_s: int = 5
    #: Size multiplier while the lead and the oracle disagree beyond ``disagreement_log`` (ppm):
    #: 0 stops quoting until they agree (one of the two is wrong, and we do not know which).
    disagreement_size_ppm: int = 0
    #: Weight of the market's own Up mid in q_up, in logit space:
    #: ``q = sigmoid((1 - w)·logit(fair) + w·logit(mid))`` (0: off). ``updown calibrate --book`` fits it.
    book_blend_weight: float = 0.0
    #: A book mid older than this is not blended in.
    book_stale_ms: int = 5_000
    #: How long a signal is good for.
    signal_ttl_ms: int = 2_000
