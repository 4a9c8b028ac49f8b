"""Static description of one binary Up/Down market (one window of a series)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: Outcome names in token order (index 0 = Up, 1 = Down), as Gamma lists them.
OUTCOMES: tuple[str, str] = ("Up", "Down")


@dataclass(frozen=True)
class MarketSpec:
    """One window's market: ids, window bounds, tick, minimum size, fee and reward parameters."""

    slug: str
    series: str
    condition_id: str
    question_id: str
    token_ids: tuple[str, str]
    window_start_s: int
    window_end_s: int
    tick_size_micro: int = 10_000
    min_size_micro: int = 5_000_000
    fee_rate: Decimal = Decimal("0.07")
    fee_exponent: int = 1
    rebate_rate: Decimal = Decimal("0.2")
    rewards_min_size_micro: int = 50_000_000
    rewards_max_spread_cents: Decimal = Decimal("4.5")
    neg_risk: bool = False
    #: A Protocol V2 market (Gamma ``version: "v2"``): orders are signed for ExchangeV3, domain "3".
    protocol_v2: bool = False
    #: Gamma's numeric market id, as a string (the ``id`` of ``market_resolved``); derived when empty.
    market_id: str = ""

    def outcome_index(self, token_id: str) -> int:
        return self.token_ids.index(token_id)

    def complement(self, token_id: str) -> str:
        return self.token_ids[1 - self.token_ids.index(token_id)]
