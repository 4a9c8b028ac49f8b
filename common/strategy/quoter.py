"""Every threshold of the quoter core, with its unit in the name."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EndgameMode(StrEnum):
    #: No maker quotes once the window is in its endgame.
    PULL = "pull"
    #: Quote, but wider and smaller.
    WIDEN = "widen"
    #: Pull while the outcome is uncertain; once it is likely, keep a small bid on the likely winner.
    BIAS = "bias"


class HalfSpreadSource(StrEnum):
    #: From the alpha's target total: ⌈(1 − target) / 2⌉ (a base edge, volatility and toxicity).
    TARGET = "target"
    #: From the table fitted on measured adverse selection (``python -m backtest.markouts``) by the
    #: time left: ``measured_half_spread_micro`` per ``measured_time_left_s`` bucket.
    MEASURED = "measured"


@dataclass(frozen=True, slots=True)
class QuoterConfig:
    #: Ladder levels per outcome.
    levels: int = 5
    #: Where level 0's distance below the fair value comes from.
    half_spread_source: HalfSpreadSource = HalfSpreadSource.TARGET
    #: Upper bounds of the measured table's time-left buckets (seconds, rising; beyond the last: the last).
    measured_time_left_s: tuple[int, ...] = (60, 180, 450, 900)
    #: The measured half-spread per time-left bucket (micro-pUSD); empty: the target's.
    measured_half_spread_micro: tuple[int, ...] = ()
    #: The least half-spread is one standard deviation of the fair value's move over this horizon
    #: (ms; 0: off): the time a taker who saw the move first has before our cancel lands. It exceeds
    #: the alpha target's floor in the last minutes at even odds (``workers/quoter/core/pickoff.py``).
    #: 4000 chosen on the training recordings from 0, 2000, 4000, 8000 (README: "Strategy scorecard").
    pickoff_horizon_ms: int = 4_000
    #: Distance between levels (rounded to at least one tick of the market's grid).
    level_step_micro: int = 10_000
    #: Size of level 0 before the regime factor and skew (shares, micro).
    base_size_micro: int = 10_000_000
    #: Size multiplier per level (ppm). Deeper levels are not larger than the touch by default: they
    #: are filled mostly by sweeps and jumps, the fills a maker least wants more of.
    level_size_ppm: tuple[int, ...] = (1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000)
    #: Order sizes are multiples of this (the venue truncates size to 2 decimals).
    size_quantum_micro: int = 10_000
    #: Price fall-back of the long side per unpaired share held (micro-pUSD per share).
    skew_micro_per_share: int = 200
    #: The long side's fall-back never exceeds this.
    max_skew_micro: int = 50_000
    #: Scale the fall-back by 4·q(1−q), the variance of an unpaired share's payoff at resolution.
    skew_by_uncertainty: bool = False
    #: Share of the long side's fall-back added to the missing outcome's bids (ppm; pairs fill
    #: passively). At 1_000_000 the combined bid at level 0 is unchanged.
    missing_side_raise_ppm: int = 0
    #: Unpaired shares at which the long side stops bidding; sizes shrink linearly toward it.
    max_unpaired_micro: int = 100_000_000
    #: Unpaired shares at which the long side's level 0 is pulled first.
    drop_level0_unpaired_micro: int = 30_000_000
    #: Most shares of one outcome held in one window (fills of all desired bids included).
    max_window_position_micro: int = 500_000_000
    #: Most pUSD at risk in all windows together: held cost plus desired bids.
    max_total_exposure_micro: int = 1_000_000_000
    #: A daily loss this large halts the quoter.
    daily_loss_limit_micro: int = 200_000_000
    #: Most a window may lose if every unpaired share it holds loses at resolution (whole pUSD; 0:
    #: no limit). Each outcome's bids beyond pairing the other are cut to what fits. $50 for a small
    #: account: a quarter of the daily limit (four bad windows in a row halt the day), and what 100
    #: unpaired shares (``max_unpaired_micro``) bought at 0.50 stand to lose.
    window_loss_limit_usd: int = 50
    #: Extra fall-back of the outcome a fast lead move hurts (Down bids when the lead jumps up).
    fast_move_fallback_micro: int = 20_000
    #: Endgame behaviour.
    endgame_mode: EndgameMode = EndgameMode.WIDEN
    #: Extra half-spread in the endgame (WIDEN and BIAS).
    endgame_widen_micro: int = 20_000
    #: Size multiplier in the endgame (ppm).
    endgame_size_ppm: int = 500_000
    #: q_up beyond which the outcome counts as likely (and ≤ 1 − this for Down).
    endgame_likely_ppm: int = 850_000
    #: Follow reward hints and the market's reward band when risk allows.
    follow_rewards: bool = True
    #: Least locked profit per share after fees for a completion.
    completion_min_profit_micro: int = 5_000
    #: Least profit per full set after fees for a complete-set purchase.
    complete_set_margin_micro: int = 5_000
    #: Marketable orders need at least this notional (venue rule).
    min_marketable_notional_micro: int = 1_000_000
    #: Churn: the executor keeps a live order whose price is within this many ticks...
    churn_min_move_ticks: int = 1
    #: ...and whose size is within this fraction (ppm) of the desired size...
    churn_min_size_change_ppm: int = 200_000
    #: ...and replaces at most this many orders per second per market.
    churn_max_replaces_per_s: int = 5
    #: How long an intent is good for.
    intent_ttl_ms: int = 1_000
