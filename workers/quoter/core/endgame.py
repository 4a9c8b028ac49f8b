"""Endgame: little time left, and the outcome possibly still open. A configured policy."""

from __future__ import annotations

from typing import NamedTuple

from common.schemas.signal import Signal
from common.strategy.quoter import EndgameMode, QuoterConfig
from workers.quoter.core.types import Outcome

BOTH = frozenset({Outcome.UP, Outcome.DOWN})


class EndgamePlan(NamedTuple):
    extra_half_spread_micro: int = 0
    size_ppm: int = 1_000_000
    sides: frozenset[Outcome] = BOTH
    reason: str = ""


NOT_ENDGAME = EndgamePlan()


def endgame_plan(signal: Signal, config: QuoterConfig) -> EndgamePlan:
    if signal.regime != "ENDGAME" and "endgame" not in signal.flags:
        return NOT_ENDGAME
    if config.endgame_mode is EndgameMode.PULL:
        return EndgamePlan(sides=frozenset(), reason="endgame_pull")
    widened = EndgamePlan(config.endgame_widen_micro, config.endgame_size_ppm, BOTH, "endgame_widen")
    if config.endgame_mode is EndgameMode.WIDEN:
        return widened
    likely = config.endgame_likely_ppm
    if signal.q_up_ppm >= likely:
        return EndgamePlan(
            config.endgame_widen_micro, config.endgame_size_ppm, frozenset({Outcome.UP}), "endgame_bias_up"
        )
    if signal.q_up_ppm <= 1_000_000 - likely:
        return EndgamePlan(
            config.endgame_widen_micro,
            config.endgame_size_ppm,
            frozenset({Outcome.DOWN}),
            "endgame_bias_down",
        )
    return EndgamePlan(sides=frozenset(), reason="endgame_uncertain_pull")
