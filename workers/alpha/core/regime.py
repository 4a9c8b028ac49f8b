"""The regime from feed health, volatility, time to the end and control."""

from __future__ import annotations

from typing import NamedTuple

from common.strategy.alpha import AlphaConfig
from workers.alpha.core.types import Regime


class RegimeInputs(NamedTuple):
    now_ms: int
    oracle_recv_ms: int | None
    lead_recv_ms: int | None
    time_to_end_ms: int
    sigma_slow: float
    sigma_fast: float
    disagreement: bool
    halted: bool
    strike_known: bool


class RegimeState(NamedTuple):
    regime: Regime
    flags: tuple[str, ...]
    size_factor_ppm: int


def classify(inputs: RegimeInputs, config: AlphaConfig) -> RegimeState:
    """The most severe regime that applies, every condition as a flag, and the size multiplier."""
    oracle_stale = inputs.oracle_recv_ms is None or inputs.now_ms - inputs.oracle_recv_ms > config.oracle_stale_ms
    lead_stale = config.lead_expected and (
        inputs.lead_recv_ms is None or inputs.now_ms - inputs.lead_recv_ms > config.lead_stale_ms)
    volatile = inputs.sigma_fast > config.volatile_ratio * inputs.sigma_slow
    endgame = inputs.time_to_end_ms <= config.endgame_s * 1000
    flags = tuple(
        name
        for name, on in (
            ("halted", inputs.halted),
            ("stale_oracle", oracle_stale),
            ("stale_lead", lead_stale and not oracle_stale),
            ("disagreement", inputs.disagreement),
            ("volatile", volatile),
            ("endgame", endgame),
            ("strike_unknown", not inputs.strike_known),
        )
        if on
    )
    size = 1_000_000
    if lead_stale:
        size = size * config.stale_lead_size_ppm // 1_000_000
    if volatile:
        size = size * config.volatile_size_ppm // 1_000_000
    if inputs.disagreement:
        size = size * config.disagreement_size_ppm // 1_000_000
    if inputs.halted:
        return RegimeState(Regime.HALTED, flags, 0)
    if oracle_stale or not inputs.strike_known:
        return RegimeState(Regime.STALE_ORACLE, flags, 0)
    if endgame:
        return RegimeState(Regime.ENDGAME, flags, size)
    if volatile:
        return RegimeState(Regime.VOLATILE, flags, size)
    if lead_stale:
        return RegimeState(Regime.STALE_LEAD, flags, size)
    return RegimeState(Regime.NORMAL, flags, size)
