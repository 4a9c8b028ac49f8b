"""The alpha worker's output for one series and window: fair value, target total, regime."""

from __future__ import annotations

from typing import Literal

from common.schemas.base import Message

RegimeName = Literal["NORMAL", "STALE_ORACLE", "STALE_LEAD", "VOLATILE", "ENDGAME", "HALTED"]


class Signal(Message):
    """What the quoter needs to price a window. Probabilities in ppm, prices in micro-pUSD."""

    TYPE = "signal"
    VERSION = 1

    series: str
    #: The window's market slug (``btc-updown-15m-<start s>``).
    slug: str
    window_end_ms: int
    #: When the signal was computed (the injected clock).
    computed_ms: int
    valid_until_ms: int
    regime: RegimeName
    #: Every condition that holds (``stale_lead``, ``disagreement``, ``volatile``, ``endgame``, ...).
    flags: tuple[str, ...] = ()
    #: P(the window settles Up), parts per million.
    q_up_ppm: int
    #: The most to pay for one Up plus one Down at the best level.
    target_total_micro: int
    #: Size multiplier for the regime (ppm; 0 means no quotes).
    size_factor_ppm: int
    #: The oracle's latest price and the strike, in micro-USD (None while unknown).
    oracle_price_micro: int | None = None
    strike_micro: int | None = None
    #: Per-second volatility of log returns, parts per billion (slow and fast EWMA).
    vol_ppb: int
    vol_fast_ppb: int
    #: Standard deviation of ``settlement − strike``, micro-USD.
    settlement_sd_micro: int
    toxicity_micro: int = 0
    markout_1s_micro: int = 0
    markout_5s_micro: int = 0
    markout_30s_micro: int = 0
    flow_imbalance_ppm: int = 0
    lead_lag_ms: int = 0
    #: ``ln(oracle) − ln(lead)``, parts per billion.
    lead_basis_ppb: int = 0
    #: +1 / −1 when the lead moved fast before the oracle, else 0.
    fast_move: int = 0
    time_to_end_ms: int
    #: The reference frame behind this signal moved ``q_up_ppm`` by ``latency.cancel_move_ppm`` or
    #: more since the last frame that did: the envelope's ``ingest_ms`` (its receive stamp) is where
    #: the executor's ``tick_to_cancel`` starts.
    fair_move: bool = False
