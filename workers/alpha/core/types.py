"""The alpha core's own small input types; the loop adapts bus messages into them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class SettlementRule(StrEnum):
    """How a window settles (reference §9)."""

    #: Latest oracle tick at or before the end versus the strike (until 2026-08-07).
    SPOT = "spot"
    #: Oracle 60-second TWAP at the end versus the TWAP at the start (from 2026-08-07).
    TWAP = "twap"


class Regime(StrEnum):
    """The market state the quoter acts on, most severe first."""

    HALTED = "HALTED"
    STALE_ORACLE = "STALE_ORACLE"
    ENDGAME = "ENDGAME"
    VOLATILE = "VOLATILE"
    STALE_LEAD = "STALE_LEAD"
    NORMAL = "NORMAL"


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """One window of a series: its bounds, settlement rule and strike when published."""

    series: str
    slug: str
    start_s: int
    end_s: int
    rule: SettlementRule
    #: ``priceToBeat`` once the venue publishes it; otherwise computed from the oracle history.
    strike: float | None = None
    #: Samples in a TWAP (one a second); 1 under the spot rule.
    twap_samples: int = 60

    @property
    def samples(self) -> int:
        return 1 if self.rule is SettlementRule.SPOT else self.twap_samples


class Distribution(NamedTuple):
    """The settlement value minus the strike, as a normal: mean and standard deviation in USD."""

    mean: float
    sd: float
    strike: float | None
